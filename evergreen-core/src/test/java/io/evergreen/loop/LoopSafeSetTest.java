package io.evergreen.loop;

import io.evergreen.fiber.Fiber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.evergreen.testing.Waiting.LIMIT;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class LoopSafeSetTest {

    @Test
    void a_loop_thread_its_fibers_and_a_plain_thread_change_it_together() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            EventLoop loop = group.loop(0);
            LoopSafeSet<Integer> set = new LoopSafeSet<>();
            int perTaker = 5_000;
            CountDownLatch done = new CountDownLatch(3);
            // Each taker adds its own range and removes the odd numbers of it again.
            java.util.function.IntFunction<Runnable> taker = first -> () -> {
                for (int i = first; i < first + perTaker; i++) {
                    set.add(i);
                    if (i % 2 == 1) {
                        assertThat(set.remove(i)).isTrue();
                    }
                }
                done.countDown();
            };

            loop.execute(taker.apply(0));
            Fiber.builder().loop(loop).start(taker.apply(perTaker));
            Thread.ofPlatform().start(taker.apply(2 * perTaker));

            assertThat(done.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(set.size()).isEqualTo(3 * perTaker / 2);
            assertThat(set.snapshot()).isEqualTo(IntStream.range(0, 3 * perTaker).filter(i -> i % 2 == 0).boxed()
                    .collect(Collectors.toSet()));
            assertThat(set.add(0)).isFalse();
            assertThat(set.remove(1)).isFalse();
        }
    }
}
