package io.evergreen.monitor;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberState;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Event;
import io.evergreen.testing.LoopBlocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static io.evergreen.testing.Waiting.await;
import static io.evergreen.testing.Waiting.awaitParked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class FiberDumpTest {

    private static final String BLOCKER_PATTERN = "^[\\w.$]+@[0-9a-f]+$";

    private EventLoopGroup group;
    private final Event release = new Event();

    @BeforeEach
    void createGroup() {
        group = EventLoopGroup.create(2);
    }

    @AfterEach
    void closeGroup() {
        release.set();
        group.close();
    }

    private static void parkedInTestMethod(Event event) {
        event.await();
    }

    private Fiber<Void> parkedFiber(int loop, String name) {
        Fiber<Void> fiber = Fiber.builder().loop(group.loop(loop)).name(name).start(() -> parkedInTestMethod(release));
        awaitParked(fiber);
        return fiber;
    }

    private static FiberSnapshot snapshotOf(List<FiberSnapshot> dump, Fiber<?> fiber) {
        return dump.stream().filter(s -> s.id() == fiber.id()).findFirst().orElse(null);
    }

    @Test
    void a_parked_fiber_is_dumped_with_its_state_blocker_and_stack() {
        Fiber<Void> fiber = parkedFiber(1, "dump-parked");

        List<FiberSnapshot> dump = FiberDump.take(group, FiberDump.Query.ALL);

        assertThat(dump).hasSize(1);
        FiberSnapshot snapshot = dump.getFirst();
        assertThat(snapshot.id()).isEqualTo(fiber.id());
        assertThat(snapshot.name()).isEqualTo("dump-parked");
        assertThat(snapshot.loop()).isEqualTo(1);
        assertThat(snapshot.state()).isEqualTo(FiberState.PARKED);
        assertThat(snapshot.parentId()).isEqualTo(-1);
        assertThat(snapshot.age()).isPositive();
        assertThat(snapshot.parkBlocker()).matches(BLOCKER_PATTERN).startsWith(Event.class.getName() + "@")
                .isEqualTo(Event.class.getName() + "@" + Integer.toHexString(System.identityHashCode(release)));
        assertThat(snapshot.stack()).extracting(StackTraceElement::getMethodName).contains("parkedInTestMethod");
    }

    @Test
    void a_parked_fiber_of_the_jdk_scheduler_is_dumped_too() {
        try (EventLoopGroup jdk = EventLoopGroup.create(1, SchedulerMode.JDK)) {
            Event event = new Event();
            Fiber<Void> fiber = Fiber.builder().loop(jdk.loop(0)).name("jdk-parked").start(() -> parkedInTestMethod(event));
            awaitParked(fiber);

            List<FiberSnapshot> dump = FiberDump.take(jdk, FiberDump.Query.ALL);

            assertThat(dump).singleElement().satisfies(s -> {
                assertThat(s.name()).isEqualTo("jdk-parked");
                assertThat(s.state()).isEqualTo(FiberState.PARKED);
                assertThat(s.parkBlocker()).startsWith(Event.class.getName() + "@");
                assertThat(s.stack()).extracting(StackTraceElement::getMethodName).contains("parkedInTestMethod");
            });
            assertThat(FiberDump.toText(jdk, dump)).contains("1 fiber, 1 loops, JDK mode");
            event.set();
            fiber.join();
        }
    }

    @Test
    void an_ended_fiber_is_no_longer_dumped_nor_found() {
        Fiber<Void> fiber = parkedFiber(0, "short-lived");
        assertThat(FiberDump.find(group, fiber.id())).isNotNull()
                .satisfies(s -> assertThat(s.name()).isEqualTo("short-lived"))
                .satisfies(s -> assertThat(s.stack()).isNotEmpty());

        release.set();
        fiber.join();

        assertThat(FiberDump.take(group, FiberDump.Query.ALL)).isEmpty();
        assertThat(FiberDump.find(group, fiber.id())).isNull();
    }

    @Test
    void find_returns_null_for_an_unknown_id() {
        parkedFiber(0, "someone");

        assertThat(FiberDump.find(group, Long.MAX_VALUE)).isNull();
    }

    @Test
    void a_child_fiber_names_its_parent() {
        AtomicReference<Fiber<?>> child = new AtomicReference<>();
        Fiber<Void> parent = Fiber.builder().loop(group.loop(0)).name("parent").start(() -> {
            child.set(Fiber.spawn(() -> parkedInTestMethod(release)));
            parkedInTestMethod(release);
        });
        awaitParked(parent);
        await().until(() -> child.get() != null);
        awaitParked(child.get());

        List<FiberSnapshot> dump = FiberDump.take(group, FiberDump.Query.ALL);

        assertThat(dump).hasSize(2);
        assertThat(snapshotOf(dump, child.get()).parentId()).isEqualTo(parent.id());
        assertThat(snapshotOf(dump, child.get()).loop()).isZero();
        assertThat(snapshotOf(dump, parent).parentId()).isEqualTo(-1);
        assertThat(FiberDump.toText(group, dump)).contains(" parent=#" + parent.id());
    }

    @Test
    void the_query_filters_by_state() throws Exception {
        Fiber<Void> parked = parkedFiber(1, "parked");
        Fiber<Void> runnable;
        try (LoopBlocker blocker = LoopBlocker.block(group.loop(0))) {
            // Started on a held loop: registered and woken, but not run.
            runnable = Fiber.builder().loop(group.loop(0)).name("runnable").start(() -> { });

            List<FiberSnapshot> onlyParked = FiberDump.take(group,
                    new FiberDump.Query(Set.of(FiberState.PARKED), Duration.ZERO, Integer.MAX_VALUE, true));
            List<FiberSnapshot> onlyRunnable = FiberDump.take(group,
                    new FiberDump.Query(Set.of(FiberState.RUNNABLE), Duration.ZERO, Integer.MAX_VALUE, true));
            List<FiberSnapshot> both = FiberDump.take(group,
                    new FiberDump.Query(Set.of(FiberState.RUNNABLE, FiberState.PARKED), Duration.ZERO, 10, true));

            assertThat(onlyParked).extracting(FiberSnapshot::id).containsExactly(parked.id());
            assertThat(onlyRunnable).extracting(FiberSnapshot::id).containsExactly(runnable.id());
            assertThat(onlyRunnable.getFirst().state()).isEqualTo(FiberState.RUNNABLE);
            assertThat(onlyRunnable.getFirst().parkBlocker()).isNull();
            assertThat(both).extracting(FiberSnapshot::id).containsExactlyInAnyOrder(parked.id(), runnable.id());
        }
        runnable.join();
    }

    @Test
    void the_query_filters_by_age() {
        parkedFiber(0, "young");

        assertThat(FiberDump.take(group, new FiberDump.Query(Set.of(), Duration.ofDays(1), Integer.MAX_VALUE, true)))
                .isEmpty();
        assertThat(FiberDump.take(group, new FiberDump.Query(Set.of(), Duration.ofNanos(1), Integer.MAX_VALUE, true)))
                .hasSize(1);
    }

    @Test
    void the_query_limits_the_number_of_fibers() {
        List<Fiber<Void>> fibers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fibers.add(parkedFiber(i % 2, "f" + i));
        }

        List<FiberSnapshot> three = FiberDump.take(group, new FiberDump.Query(Set.of(), Duration.ZERO, 3, true));
        List<FiberSnapshot> none = FiberDump.take(group, new FiberDump.Query(Set.of(), Duration.ZERO, 0, true));
        List<FiberSnapshot> all = FiberDump.take(group, FiberDump.Query.ALL);

        assertThat(three).hasSize(3);
        assertThat(none).isEmpty();
        assertThat(all).extracting(FiberSnapshot::id)
                .containsExactlyInAnyOrderElementsOf(fibers.stream().map(Fiber::id).toList());
        // Loop by loop, newest first within a loop.
        assertThat(all).extracting(FiberSnapshot::loop).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
        assertThat(all).extracting(FiberSnapshot::name)
                .containsExactly("f8", "f6", "f4", "f2", "f0", "f9", "f7", "f5", "f3", "f1");
    }

    @Test
    void stacks_are_left_out_when_not_asked_for() {
        parkedFiber(0, "a");
        parkedFiber(1, "b");

        List<FiberSnapshot> dump = FiberDump.take(group, new FiberDump.Query(Set.of(), Duration.ZERO, 100, false));

        assertThat(dump).hasSize(2).allSatisfy(s -> {
            assertThat(s.stack()).isEmpty();
            assertThat(s.parkBlocker()).matches(BLOCKER_PATTERN);
        });
    }

    @Test
    void the_query_rejects_negative_limits_and_ages() {
        assertThatThrownBy(() -> new FiberDump.Query(Set.of(), Duration.ZERO, -1, true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FiberDump.Query(Set.of(), Duration.ofMillis(-1), 10, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_text_dump_reads_like_a_thread_dump() {
        Fiber<Void> fiber = parkedFiber(1, "text-parked");
        List<FiberSnapshot> dump = FiberDump.take(group, FiberDump.Query.ALL);

        String text = FiberDump.toText(group, dump);

        assertThat(text).startsWith("Evergreen fiber dump ");
        assertThat(text.lines().findFirst().orElseThrow()).endsWith(": 1 fiber, 2 loops, LOOP mode");
        assertThat(text).contains("\"text-parked\" #" + fiber.id() + " loop=1 PARKED age=")
                .contains("   parked on " + Event.class.getName() + "@")
                .contains("parkedInTestMethod")
                .doesNotContain("parent=#");
        assertThat(FiberDump.toText(dump.getFirst())).startsWith("\"text-parked\" #" + fiber.id() + " loop=1 PARKED")
                .contains("parkedInTestMethod");
        assertThat(text).contains(FiberDump.toText(dump.getFirst()));
    }

    @Test
    void an_empty_text_dump_has_only_its_header() {
        String text = FiberDump.toText(group, FiberDump.take(group, FiberDump.Query.ALL));

        assertThat(text.lines()).hasSize(1);
        assertThat(text).contains(": 0 fibers, 2 loops, LOOP mode");
    }
}
