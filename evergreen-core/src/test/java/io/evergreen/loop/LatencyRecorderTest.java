package io.evergreen.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyRecorderTest {

    @Test
    void an_empty_recorder_reports_zeros() {
        assertThat(new LatencyRecorder().snapshot()).isEqualTo(new LatencyRecorder.Snapshot(0, 0, 0, 0, 0, 0));
    }

    @Test
    void percentiles_are_taken_over_the_recorded_samples() {
        LatencyRecorder recorder = new LatencyRecorder();
        // Shuffled order: the percentiles must not depend on the order of recording.
        for (int i = 0; i < 100; i++) {
            recorder.record((i * 37) % 100 + 1);
        }

        LatencyRecorder.Snapshot snapshot = recorder.snapshot();

        assertThat(snapshot.count()).isEqualTo(100);
        assertThat(snapshot.recentCount()).isEqualTo(100);
        assertThat(snapshot.p50Nanos()).isEqualTo(50);
        assertThat(snapshot.p99Nanos()).isEqualTo(99);
        assertThat(snapshot.recentMaxNanos()).isEqualTo(100);
        assertThat(snapshot.maxNanos()).isEqualTo(100);
    }

    @Test
    void a_single_sample_is_every_percentile() {
        LatencyRecorder recorder = new LatencyRecorder();
        recorder.record(7);

        assertThat(recorder.snapshot()).isEqualTo(new LatencyRecorder.Snapshot(1, 1, 7, 7, 7, 7));
    }

    @Test
    void the_window_keeps_only_the_latest_samples_while_count_and_max_keep_everything() {
        LatencyRecorder recorder = new LatencyRecorder();
        recorder.record(1_000_000);
        for (int i = 1; i <= LatencyRecorder.WINDOW; i++) {
            recorder.record(i);
        }

        LatencyRecorder.Snapshot snapshot = recorder.snapshot();

        assertThat(snapshot.count()).isEqualTo(LatencyRecorder.WINDOW + 1);
        assertThat(snapshot.recentCount()).isEqualTo(LatencyRecorder.WINDOW);
        // The big first sample has left the window...
        assertThat(snapshot.recentMaxNanos()).isEqualTo(LatencyRecorder.WINDOW);
        assertThat(snapshot.p99Nanos()).isLessThanOrEqualTo(LatencyRecorder.WINDOW);
        assertThat(snapshot.p50Nanos()).isEqualTo(LatencyRecorder.WINDOW / 2);
        // ...but not the all-time maximum.
        assertThat(snapshot.maxNanos()).isEqualTo(1_000_000);
    }

    @Test
    void the_window_wraps_around_many_times() {
        LatencyRecorder recorder = new LatencyRecorder();
        int total = LatencyRecorder.WINDOW * 10 + 17;
        for (int i = 1; i <= total; i++) {
            recorder.record(i);
        }

        LatencyRecorder.Snapshot snapshot = recorder.snapshot();

        assertThat(snapshot.count()).isEqualTo(total);
        assertThat(snapshot.recentCount()).isEqualTo(LatencyRecorder.WINDOW);
        assertThat(snapshot.recentMaxNanos()).isEqualTo(total);
        assertThat(snapshot.maxNanos()).isEqualTo(total);
        // The window holds total-255 .. total: its median is the 128th of them.
        assertThat(snapshot.p50Nanos()).isEqualTo(total - LatencyRecorder.WINDOW + LatencyRecorder.WINDOW / 2);
    }

    @Test
    void negative_samples_count_as_zero() {
        LatencyRecorder recorder = new LatencyRecorder();
        List<Long> seen = new ArrayList<>();
        recorder.addListener(seen::add);

        recorder.record(-5);

        assertThat(seen).containsExactly(0L);
        assertThat(recorder.snapshot()).isEqualTo(new LatencyRecorder.Snapshot(1, 1, 0, 0, 0, 0));
    }

    @Test
    void listeners_get_every_sample_until_removed() {
        LatencyRecorder recorder = new LatencyRecorder();
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        LongConsumer firstListener = first::add;
        recorder.addListener(firstListener);
        recorder.addListener(second::add);

        recorder.record(3);
        recorder.record(1);
        recorder.removeListener(firstListener);
        recorder.record(2);

        assertThat(first).containsExactly(3L, 1L);
        assertThat(second).containsExactly(3L, 1L, 2L);
        assertThat(recorder.snapshot().count()).isEqualTo(3);
    }
}
