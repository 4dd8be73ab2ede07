package io.evergreen.fiber;

import io.evergreen.loop.EventLoop;
import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.LoopStats;
import io.evergreen.loop.SchedulerMode;
import io.evergreen.sync.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Fiber-local storage: one value per fiber, kept in the fiber and freed with it; inheritance to child fibers
 * only for inheritable locals; {@link ThreadLocal} behaviour outside fibers; the counters of {@link LoopStats}.
 */
class FiberLocalTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Runs the body in a fiber on the loop and returns its result. */
    private static <T> T inFiber(EventLoop loop, Callable<T> body) {
        return Fiber.builder().loop(loop).start(body).join(WAIT);
    }

    private static void awaitLiveEntries(LoopStats stats, long expected) {
        await().atMost(WAIT).until(() -> stats.localsLiveEntries() == expected);
    }

    // ---------------------------------------------------------------- one value per fiber

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void each_fiber_sees_only_the_value_it_set(SchedulerMode mode) throws Exception {
        FiberLocal<String> local = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            CountDownLatch bothSet = new CountDownLatch(2);
            List<Fiber<String>> fibers = new ArrayList<>();
            for (String value : List.of("a", "b")) {
                fibers.add(Fiber.builder().loop(group.loop(0)).start(() -> {
                    local.set(value);
                    bothSet.countDown();
                    bothSet.await();
                    return local.get();
                }));
            }
            assertThat(fibers.get(0).join(WAIT)).isEqualTo("a");
            assertThat(fibers.get(1).join(WAIT)).isEqualTo("b");
            assertThat(local.get()).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void with_initial_runs_its_supplier_once_per_fiber(SchedulerMode mode) {
        AtomicInteger supplied = new AtomicInteger();
        FiberLocal<List<String>> local = FiberLocal.withInitial(() -> {
            supplied.incrementAndGet();
            return new ArrayList<>();
        });
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Fiber<List<String>>> fibers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                fibers.add(Fiber.builder().loop(group.loop(0)).start(() -> {
                    List<String> first = local.get();
                    first.add("x");
                    assertThat(local.get()).isSameAs(first);
                    return first;
                }));
            }
            List<List<String>> values = new ArrayList<>();
            for (Fiber<List<String>> fiber : fibers) {
                values.add(fiber.join(WAIT));
            }
            assertThat(supplied).hasValue(3);
            assertThat(values).allSatisfy(value -> assertThat(value).containsExactly("x"));
            assertThat(values.get(0)).isNotSameAs(values.get(1)).isNotSameAs(values.get(2));
            assertThat(values.get(1)).isNotSameAs(values.get(2));
        }
    }

    // ---------------------------------------------------------------- inheritance

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_plain_fiber_local_is_not_visible_in_a_child_fiber(SchedulerMode mode) {
        FiberLocal<String> plain = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String inChild = inFiber(group.loop(0), () -> {
                plain.set("parent");
                return Fiber.spawn(() -> plain.get()).join();
            });
            assertThat(inChild).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_inheritable_fiber_local_is_visible_in_a_child_fiber(SchedulerMode mode) {
        FiberLocal<String> inheritable = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String inChild = inFiber(group.loop(0), () -> {
                inheritable.set("parent");
                return Fiber.spawn(() -> inheritable.get()).join();
            });
            assertThat(inChild).isEqualTo("parent");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_inheritable_fiber_local_reaches_grandchildren(SchedulerMode mode) {
        FiberLocal<String> inheritable = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String inGrandchild = inFiber(group.loop(0), () -> {
                inheritable.set("root");
                return Fiber.spawn(() -> Fiber.spawn(() -> inheritable.get()).join()).join();
            });
            assertThat(inGrandchild).isEqualTo("root");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_inheritable_fiber_local_is_visible_in_a_child_on_another_loop(SchedulerMode mode) {
        FiberLocal<String> inheritable = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(2, mode)) {
            String inChild = inFiber(group.loop(0), () -> {
                inheritable.set("parent");
                Fiber<String> child = Fiber.builder().loop(group.loop(1)).start(() -> inheritable.get());
                return child.join();
            });
            assertThat(inChild).isEqualTo("parent");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_childs_set_does_not_change_the_parents_value(SchedulerMode mode) {
        FiberLocal<String> inheritable = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<String> seen = inFiber(group.loop(0), () -> {
                inheritable.set("parent");
                String inChild = Fiber.spawn(() -> {
                    inheritable.set("child");
                    return inheritable.get();
                }).join();
                return List.of(inChild, inheritable.get());
            });
            assertThat(seen).containsExactly("child", "parent");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_child_keeps_the_value_its_parent_had_when_it_was_spawned(SchedulerMode mode) {
        FiberLocal<String> inheritable = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String inChild = inFiber(group.loop(0), () -> {
                Event parentChanged = new Event();
                inheritable.set("at spawn");
                Fiber<String> child = Fiber.spawn(() -> {
                    parentChanged.await();
                    return inheritable.get();
                });
                inheritable.set("later");
                parentChanged.set();
                return child.join();
            });
            assertThat(inChild).isEqualTo("at spawn");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void inheritable_with_a_child_value_function_derives_the_childs_value(SchedulerMode mode) {
        FiberLocal<List<String>> trail = FiberLocal.inheritable(parent -> {
            List<String> copy = new ArrayList<>(parent);
            copy.add("derived");
            return copy;
        });
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<List<String>> seen = inFiber(group.loop(0), () -> {
                List<String> parentTrail = new ArrayList<>(List.of("parent"));
                trail.set(parentTrail);
                List<String> childTrail = Fiber.spawn(() -> {
                    trail.get().add("child");
                    return trail.get();
                }).join();
                return List.of(childTrail, trail.get());
            });
            assertThat(seen.get(0)).containsExactly("parent", "derived", "child");
            assertThat(seen.get(1)).containsExactly("parent");
        }
    }

    // ---------------------------------------------------------------- freed with the fiber

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void live_entries_count_the_values_held_by_running_fibers(SchedulerMode mode) {
        FiberLocal<String> first = FiberLocal.create();
        FiberLocal<String> second = FiberLocal.withInitial(() -> "initial");
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long before = stats.localsLiveEntries();
            Event release = new Event();
            Fiber<Void> holder = Fiber.builder().loop(group.loop(0)).start(() -> {
                first.set("set");
                second.get();
                release.await();
            });
            awaitLiveEntries(stats, before + 2);
            release.set();
            holder.join(WAIT);
            assertThat(stats.localsLiveEntries()).isEqualTo(before);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void values_set_by_100_000_fibers_are_all_freed_when_they_end(SchedulerMode mode) {
        int fibers = 100_000;
        int batch = 5_000;
        FiberLocal<Integer> local = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            EventLoop loop = group.loop(0);
            LoopStats stats = loop.stats();
            // A fiber that outlives the run, so that the baseline is not simply zero.
            Event release = new Event();
            Fiber<Void> holder = Fiber.builder().loop(loop).start(() -> {
                local.set(-1);
                release.await();
            });
            awaitLiveEntries(stats, 1);
            long baseline = stats.localsLiveEntries();
            long setsBefore = stats.localsSets();

            inFiber(loop, () -> {
                List<Fiber<Void>> running = new ArrayList<>(batch);
                for (int i = 0; i < fibers; i++) {
                    int n = i;
                    running.add(Fiber.spawn(() -> local.set(n)));
                    if (running.size() == batch) {
                        running.forEach(f -> f.join());
                        running.clear();
                    }
                }
                running.forEach(f -> f.join());
                return null;
            });

            assertThat(stats.localsSets() - setsBefore).isEqualTo(fibers);
            assertThat(stats.localsLiveEntries()).isEqualTo(baseline);
            release.set();
            holder.join(WAIT);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void values_of_fibers_that_fail_are_freed(SchedulerMode mode) {
        int fibers = 1_000;
        FiberLocal<Integer> local = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long baseline = stats.localsLiveEntries();
            List<Fiber<?>> failing = new ArrayList<>();
            for (int i = 0; i < fibers; i++) {
                int n = i;
                failing.add(Fiber.builder().loop(group.loop(0)).start(() -> {
                    local.set(n);
                    throw new IllegalStateException("fails holding a fiber-local");
                }));
            }
            for (Fiber<?> fiber : failing) {
                assertThatThrownBy(() -> fiber.join(WAIT)).isInstanceOf(FiberFailedException.class);
            }
            assertThat(stats.fibersFailed()).isEqualTo(fibers);
            assertThat(stats.localsLiveEntries()).isEqualTo(baseline);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void values_of_fibers_cancelled_while_blocked_are_freed(SchedulerMode mode) {
        int fibers = 1_000;
        FiberLocal<Integer> local = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long baseline = stats.localsLiveEntries();
            Event never = new Event();
            List<Fiber<Void>> blocked = new ArrayList<>();
            for (int i = 0; i < fibers; i++) {
                int n = i;
                blocked.add(Fiber.builder().loop(group.loop(0)).start(() -> {
                    local.set(n);
                    never.await();
                }));
            }
            awaitLiveEntries(stats, baseline + fibers);
            blocked.forEach(Fiber::cancel);
            for (Fiber<Void> fiber : blocked) {
                assertThatThrownBy(() -> fiber.join(WAIT)).isInstanceOf(FiberCancelledException.class);
                assertThat(fiber.state()).isEqualTo(FiberState.CANCELLED);
            }
            assertThat(stats.localsLiveEntries()).isEqualTo(baseline);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void inherited_values_of_fibers_cancelled_before_they_ran_are_freed(SchedulerMode mode) {
        int children = 100;
        FiberLocal<String> inheritable = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long baseline = stats.localsLiveEntries();
            long copiesBefore = stats.localsInheritedCopies();
            inFiber(group.loop(0), () -> {
                inheritable.set("parent");
                Event never = new Event();
                List<Fiber<Void>> cancelled = new ArrayList<>();
                for (int i = 0; i < children; i++) {
                    Fiber<Void> started = Fiber.spawn(() -> never.await());
                    Fiber<Void> unstarted = Fiber.builder().unstarted(() -> never.await());
                    started.cancel();
                    unstarted.cancel();
                    cancelled.add(started);
                    cancelled.add(unstarted);
                }
                for (Fiber<Void> child : cancelled) {
                    assertThatThrownBy(child::join).isInstanceOf(FiberCancelledException.class);
                }
                inheritable.remove();
                return null;
            });
            assertThat(stats.localsInheritedCopies() - copiesBefore).isEqualTo(2L * children);
            assertThat(stats.localsLiveEntries()).isEqualTo(baseline);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void values_touched_by_an_exit_callback_in_the_ending_fiber_are_freed(SchedulerMode mode) {
        FiberLocal<String> local = FiberLocal.withInitial(() -> "initial");
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long baseline = stats.localsLiveEntries();
            Event release = new Event();
            Fiber<Void> fiber = Fiber.builder().loop(group.loop(0)).start(() -> {
                local.set("body");
                release.await();
            });
            AtomicReference<Fiber<?>> ranIn = new AtomicReference<>();
            fiber.onExit(ended -> {
                ranIn.set(Fiber.current());
                local.get();
            });
            release.set();
            fiber.join(WAIT);
            assertThat(ranIn).hasValue(fiber);
            // The ending fiber releases what its callbacks stored after waking its joiners: wait for the count.
            awaitLiveEntries(stats, baseline);
        }
    }

    // ---------------------------------------------------------------- remove

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void remove_makes_get_return_null_again(SchedulerMode mode) {
        FiberLocal<String> local = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            String afterRemove = inFiber(group.loop(0), () -> {
                local.set("value");
                local.remove();
                return local.get();
            });
            assertThat(afterRemove).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void remove_makes_with_initial_supply_a_fresh_value(SchedulerMode mode) {
        AtomicInteger supplied = new AtomicInteger();
        FiberLocal<Integer> local = FiberLocal.withInitial(supplied::incrementAndGet);
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<Integer> seen = inFiber(group.loop(0), () -> {
                Integer first = local.get();
                local.remove();
                return List.of(first, local.get());
            });
            assertThat(seen).containsExactly(1, 2);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void remove_frees_the_live_entry_at_once(SchedulerMode mode) {
        FiberLocal<String> local = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long baseline = stats.localsLiveEntries();
            List<Long> live = inFiber(group.loop(0), () -> {
                local.set("value");
                long whileSet = stats.localsLiveEntries();
                local.remove();
                local.remove();
                return List.of(whileSet, stats.localsLiveEntries());
            });
            assertThat(live).containsExactly(baseline + 1, baseline);
        }
    }

    // ---------------------------------------------------------------- isolation

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_isolated_stretch_starts_empty_and_the_fibers_values_come_back_after_it(SchedulerMode mode) {
        FiberLocal<String> user = FiberLocal.create();
        FiberLocal<String> initial = FiberLocal.withInitial(() -> "fresh");
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<String> seen = inFiber(group.loop(0), () -> {
                user.set("first request");
                initial.set("changed by the first request");
                List<String> values = new ArrayList<>();
                try (FiberLocal.Isolation ignored = FiberLocal.isolate()) {
                    values.add(user.get());
                    values.add(initial.get());
                    user.set("second request");
                }
                values.add(user.get());
                values.add(initial.get());
                return values;
            });
            assertThat(seen).containsExactly(null, "fresh", "first request", "changed by the first request");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void values_set_while_isolated_are_dropped_at_the_end_and_no_longer_counted(SchedulerMode mode) {
        FiberLocal<String> kept = FiberLocal.create();
        FiberLocal<String> dropped = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long baseline = stats.localsLiveEntries();
            List<Object> seen = inFiber(group.loop(0), () -> {
                kept.set("kept");
                List<Object> values = new ArrayList<>();
                try (FiberLocal.Isolation ignored = FiberLocal.isolate()) {
                    dropped.set("dropped");
                    kept.set("shadowed");
                    values.add(stats.localsLiveEntries());
                }
                values.add(stats.localsLiveEntries());
                values.add(dropped.get());
                try (FiberLocal.Isolation ignored = FiberLocal.isolate()) {
                    values.add(dropped.get());
                }
                return values;
            });
            assertThat(seen).containsExactly(baseline + 3, baseline + 1, null, null);
            awaitLiveEntries(stats, baseline);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_child_spawned_while_isolated_inherits_the_isolated_values(SchedulerMode mode) {
        FiberLocal<String> trace = FiberLocal.inheritable();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            List<String> seen = inFiber(group.loop(0), () -> {
                trace.set("outer");
                try (FiberLocal.Isolation ignored = FiberLocal.isolate()) {
                    String beforeSet = Fiber.spawn(trace::get).join(WAIT);
                    trace.set("inner");
                    return List.of(String.valueOf(beforeSet), Fiber.spawn(trace::get).join(WAIT));
                }
            });
            assertThat(seen).containsExactly("null", "inner");
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_fiber_that_ends_while_isolated_frees_every_value(SchedulerMode mode) {
        FiberLocal<String> local = FiberLocal.create();
        FiberLocal<String> other = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long baseline = stats.localsLiveEntries();
            inFiber(group.loop(0), () -> {
                local.set("set aside");
                FiberLocal.isolate();
                other.set("isolated");
                return null;
            });
            awaitLiveEntries(stats, baseline);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void an_isolation_is_closed_by_the_fiber_that_opened_it(SchedulerMode mode) {
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            FiberLocal.Isolation isolation = inFiber(group.loop(0), FiberLocal::isolate);
            assertThatThrownBy(() -> inFiber(group.loop(0), () -> {
                isolation.close();
                return null;
            })).hasRootCauseInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void outside_fibers_isolation_changes_nothing() {
        FiberLocal<String> local = FiberLocal.create();
        local.set("thread value");
        try (FiberLocal.Isolation ignored = FiberLocal.isolate()) {
            assertThat(local.get()).isEqualTo("thread value");
        }
        local.remove();
    }

    // ---------------------------------------------------------------- outside fibers

    @Test
    void outside_fibers_each_platform_thread_sees_its_own_value() throws Exception {
        FiberLocal<String> local = FiberLocal.create();
        CountDownLatch bothSet = new CountDownLatch(2);
        AtomicReference<String> seenByA = new AtomicReference<>();
        AtomicReference<String> seenByB = new AtomicReference<>();
        Thread a = Thread.ofPlatform().start(() -> setAwaitAndRead(local, "a", bothSet, seenByA));
        Thread b = Thread.ofPlatform().start(() -> setAwaitAndRead(local, "b", bothSet, seenByB));
        assertThat(a.join(WAIT)).isTrue();
        assertThat(b.join(WAIT)).isTrue();
        assertThat(seenByA).hasValue("a");
        assertThat(seenByB).hasValue("b");
        assertThat(local.get()).isNull();
    }

    private static void setAwaitAndRead(FiberLocal<String> local, String value, CountDownLatch bothSet,
            AtomicReference<String> seen) {
        local.set(value);
        bothSet.countDown();
        try {
            bothSet.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        seen.set(local.get());
    }

    @Test
    void outside_fibers_with_initial_supplies_once_per_thread() throws Exception {
        AtomicInteger supplied = new AtomicInteger();
        FiberLocal<Integer> local = FiberLocal.withInitial(supplied::incrementAndGet);
        List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runnable readTwice = () -> {
            Integer first = local.get();
            assertThat(local.get()).isSameAs(first);
            seen.add(first);
        };
        Thread a = Thread.ofPlatform().start(readTwice);
        assertThat(a.join(WAIT)).isTrue();
        Thread b = Thread.ofPlatform().start(readTwice);
        assertThat(b.join(WAIT)).isTrue();
        assertThat(seen).containsExactly(1, 2);
        assertThat(supplied).hasValue(2);
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_value_set_outside_fibers_is_not_seen_inside_a_fiber(SchedulerMode mode) {
        FiberLocal<String> local = FiberLocal.create();
        local.set("platform thread");
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            assertThat(inFiber(group.loop(0), () -> local.get())).isNull();
            assertThat(local.get()).isEqualTo("platform thread");
        } finally {
            local.remove();
        }
    }

    // ---------------------------------------------------------------- counters

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_get_of_a_value_that_is_present_counts_a_hit(SchedulerMode mode) {
        FiberLocal<String> local = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long hits = stats.localsLookupHits();
            long misses = stats.localsLookupMisses();
            inFiber(group.loop(0), () -> {
                local.set("value");
                local.get();
                local.get();
                return null;
            });
            assertThat(stats.localsLookupHits() - hits).isEqualTo(2);
            assertThat(stats.localsLookupMisses() - misses).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_get_without_a_value_or_initial_supplier_counts_a_miss(SchedulerMode mode) {
        FiberLocal<String> local = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long hits = stats.localsLookupHits();
            long misses = stats.localsLookupMisses();
            long initials = stats.localsLookupInitials();
            inFiber(group.loop(0), () -> local.get());
            assertThat(stats.localsLookupMisses() - misses).isEqualTo(1);
            assertThat(stats.localsLookupHits() - hits).isZero();
            assertThat(stats.localsLookupInitials() - initials).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void a_get_that_runs_the_initial_supplier_counts_an_initial_then_hits(SchedulerMode mode) {
        FiberLocal<String> local = FiberLocal.withInitial(() -> "initial");
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long hits = stats.localsLookupHits();
            long misses = stats.localsLookupMisses();
            long initials = stats.localsLookupInitials();
            inFiber(group.loop(0), () -> {
                local.get();
                local.get();
                return null;
            });
            assertThat(stats.localsLookupInitials() - initials).isEqualTo(1);
            assertThat(stats.localsLookupHits() - hits).isEqualTo(1);
            assertThat(stats.localsLookupMisses() - misses).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void each_set_is_counted_but_storing_an_initial_value_is_not(SchedulerMode mode) {
        FiberLocal<String> plain = FiberLocal.create();
        FiberLocal<String> initialised = FiberLocal.withInitial(() -> "initial");
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long sets = stats.localsSets();
            inFiber(group.loop(0), () -> {
                initialised.get();
                plain.set("one");
                plain.set("two");
                initialised.set("three");
                return null;
            });
            assertThat(stats.localsSets() - sets).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerMode.class)
    void each_inheritable_value_copied_to_a_child_counts_one_inherited_copy(SchedulerMode mode) {
        FiberLocal<String> inheritableA = FiberLocal.inheritable();
        FiberLocal<String> inheritableB = FiberLocal.inheritable(value -> value + "'");
        FiberLocal<String> plain = FiberLocal.create();
        try (EventLoopGroup group = EventLoopGroup.create(1, mode)) {
            LoopStats stats = group.loop(0).stats();
            long copies = stats.localsInheritedCopies();
            inFiber(group.loop(0), () -> {
                inheritableA.set("a");
                inheritableB.set("b");
                plain.set("not inherited");
                for (int i = 0; i < 3; i++) {
                    Fiber.spawn(() -> { }).join();
                }
                return null;
            });
            assertThat(stats.localsInheritedCopies() - copies).isEqualTo(3 * 2);
        }
    }

    @Test
    void creating_fiber_locals_increases_keys_created() {
        int before = FiberLocal.keysCreated();
        FiberLocal.create();
        FiberLocal.withInitial(() -> "x");
        FiberLocal.inheritable();
        FiberLocal.<String>inheritable(value -> value);
        assertThat(FiberLocal.keysCreated()).isGreaterThanOrEqualTo(before + 4);
    }
}
