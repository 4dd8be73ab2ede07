package io.evergreen.fiber;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.loop.SchedulerMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Greenlet semantics on one loop: {@code switchTo} and {@code throwInto}. The behaviours are ported from
 * greenlet's {@code test_greenlet.py} and python-fibers' {@code test_fibers.py}; each test names its origin.
 */
class SwitchTest {

    private EventLoopGroup group;

    @BeforeEach
    void openGroup() {
        group = EventLoopGroup.create(2);
    }

    @AfterEach
    void closeGroup() {
        group.close(Duration.ofSeconds(5));
    }

    /** Runs the body in a fiber on loop 0 and returns its result. */
    private <T> T inFiber(java.util.concurrent.Callable<T> body) {
        return Fiber.builder().loop(group.loop(0)).name("main").start(body).join(Duration.ofSeconds(10));
    }

    @Test // greenlet test_simple
    void switching_into_a_new_fiber_runs_it_until_it_switches_back() {
        List<String> trace = inFiber(() -> {
            List<String> lst = new CopyOnWriteArrayList<>();
            Fiber<?> main = Fiber.current();
            Fiber<Void> g = Fiber.builder().unstarted(() -> {
                lst.add("b");
                main.switchTo(null);
                lst.add("c");
            });
            lst.add("a");
            g.switchTo(null);
            lst.add("d");
            g.switchTo(null);
            lst.add("e");
            return lst;
        });
        assertThat(trace).containsExactly("a", "b", "d", "c", "e");
    }

    @Test // python-fibers test_switch_value / greenlet test_switch_kwargs
    void values_round_trip_through_switches() {
        List<Object> seen = inFiber(() -> {
            List<Object> received = new CopyOnWriteArrayList<>();
            Fiber<?> main = Fiber.current();
            Fiber<Void> echo = Fiber.builder().unstarted(() -> {
                Object v = main.switchTo("ready");
                while (!"stop".equals(v)) {
                    v = main.switchTo("echo:" + v);
                }
            });
            received.add(echo.switchTo(null));
            received.add(echo.switchTo(1));
            received.add(echo.switchTo("two"));
            received.add(echo.switchTo("stop"));
            return received;
        });
        // The last switch returns when echo ends: its result (null for a Runnable) goes to its parent.
        assertThat(seen).containsExactly("ready", "echo:1", "echo:two", null);
    }

    @Test // greenlet test_dealloc / python-fibers test_finished_parent
    void a_finished_fiber_switches_its_result_to_its_parent() {
        Object result = inFiber(() -> {
            Fiber<String> child = Fiber.builder().unstarted(() -> "done");
            Object got = child.switchTo(null);
            assertThat(child.isAlive()).isFalse();
            assertThat(child.state()).isEqualTo(FiberState.DONE);
            return got;
        });
        assertThat(result).isEqualTo("done");
    }

    @Test // greenlet test_send_exception / python-fibers test_throw
    void throwing_into_a_fiber_surfaces_in_it_at_its_switch() {
        String caught = inFiber(() -> {
            AtomicReference<String> seenByChild = new AtomicReference<>();
            Fiber<?> main = Fiber.current();
            Fiber<Void> child = Fiber.builder().unstarted(() -> {
                try {
                    main.switchTo(null);
                } catch (IllegalArgumentException e) {
                    seenByChild.set(e.getMessage());
                }
            });
            child.switchTo(null);
            child.throwInto(new IllegalArgumentException("boom"));
            return seenByChild.get();
        });
        assertThat(caught).isEqualTo("boom");
    }

    @Test // greenlet test_throw_goes_to_original_parent
    void an_uncaught_thrown_exception_goes_to_the_parent() {
        Throwable atParent = inFiber(() -> {
            Fiber<?> main = Fiber.current();
            Fiber<?> child = Fiber.builder().unstarted(() -> main.switchTo(null));
            child.switchTo(null);
            try {
                child.throwInto(new IllegalStateException("to parent"));
                return null;
            } catch (IllegalStateException e) {
                assertThat(child.state()).isEqualTo(FiberState.FAILED);
                return e;
            }
        });
        assertThat(atParent).hasMessage("to parent");
    }

    @Test // greenlet test_throw_into_unstarted / python-fibers test_throw_not_started
    void throwing_into_an_unstarted_fiber_ends_it_without_running_it() {
        List<String> trace = new CopyOnWriteArrayList<>();
        Throwable atParent = inFiber(() -> {
            Fiber<?> child = Fiber.builder().unstarted(() -> trace.add("ran"));
            try {
                child.throwInto(new UnsupportedOperationException("never ran"));
                return null;
            } catch (UnsupportedOperationException e) {
                assertThat(child.isAlive()).isFalse();
                return e;
            }
        });
        assertThat(atParent).hasMessage("never ran");
        assertThat(trace).isEmpty();
    }

    @Test // greenlet test_switch_to_self
    void switching_to_oneself_returns_the_value_at_once() {
        assertThat(inFiber(() -> Fiber.current().switchTo("me"))).isEqualTo("me");
    }

    @Test // python-fibers test_switch_to_dead_fiber
    void switching_to_a_dead_fiber_is_an_error() {
        inFiber(() -> {
            Fiber<String> child = Fiber.builder().start(() -> "x");
            child.join();
            assertThatThrownBy(() -> child.switchTo(null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("has ended");
            return null;
        });
    }

    @Test // python-fibers test_cross_thread_switch
    void switching_across_loops_is_an_error() {
        inFiber(() -> {
            Fiber<Void> elsewhere = Fiber.builder().loop(group.loop(1)).unstarted(() -> { });
            assertThatThrownBy(() -> elsewhere.switchTo(null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("different loops");
            return null;
        });
    }

    @Test
    void switching_from_outside_a_fiber_is_an_error() {
        Fiber<Void> target = Fiber.builder().loop(group.loop(0)).unstarted(() -> { });
        assertThatThrownBy(() -> target.switchTo(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("from a fiber");
    }

    @Test
    void switching_to_a_fiber_that_is_not_suspended_in_a_switch_is_an_error() {
        inFiber(() -> {
            io.evergreen.sync.Event never = new io.evergreen.sync.Event();
            Fiber<Void> sleeper = Fiber.builder().start(() -> never.await());
            Fiber.yieldNow();
            assertThatThrownBy(() -> sleeper.switchTo(null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not suspended in a switch");
            sleeper.cancel();
            return null;
        });
    }

    @Test // greenlet test_parent_equals_None / python-fibers test_parent
    void a_fibers_parent_is_the_fiber_that_created_it() {
        inFiber(() -> {
            Fiber<?> main = Fiber.current();
            Fiber<Fiber<?>> child = Fiber.builder().unstarted(() -> Fiber.current().parent());
            assertThat(child.parent()).isSameAs(main);
            assertThat(child.switchTo(null)).isSameAs(main);
            return null;
        });
        assertThat(Fiber.builder().loop(group.loop(0)).unstarted(() -> { }).parent()).isNull();
    }

    @Test // python-fibers test_is_alive
    void a_fiber_is_alive_only_between_start_and_end() {
        inFiber(() -> {
            Fiber<?> main = Fiber.current();
            Fiber<?> child = Fiber.builder().unstarted(() -> main.switchTo(null));
            assertThat(child.isAlive()).isFalse();
            child.switchTo(null);
            assertThat(child.isAlive()).isTrue();
            child.switchTo(null);
            assertThat(child.isAlive()).isFalse();
            return null;
        });
    }

    @Test // python-fibers test_current
    void current_is_the_running_fiber() {
        inFiber(() -> {
            Fiber<?> main = Fiber.current();
            Fiber<Fiber<?>> child = Fiber.builder().unstarted(() -> Fiber.current());
            assertThat(child.switchTo(null)).isSameAs(child);
            assertThat(Fiber.current()).isSameAs(main);
            return null;
        });
        assertThat(Fiber.current()).isNull();
    }

    @Test // greenlet test_kill (GreenletExit)
    void killing_a_suspended_fiber_with_a_cancellation_returns_nothing_to_the_parent() {
        inFiber(() -> {
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Fiber<?> main = Fiber.current();
            Fiber<Void> child = Fiber.builder().unstarted(() -> {
                try {
                    main.switchTo(null);
                } catch (FiberCancelledException e) {
                    seen.set(e);
                    throw e;
                }
            });
            child.switchTo(null);
            Object back = child.throwInto(new FiberCancelledException("kill"));
            assertThat(back).isNull();
            assertThat(seen.get()).hasMessage("kill");
            assertThat(child.state()).isEqualTo(FiberState.CANCELLED);
            return null;
        });
    }

    @Test
    void cancelling_a_fiber_suspended_in_a_switch_wakes_it_with_fiber_cancelled_exception() {
        inFiber(() -> {
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Fiber<?> main = Fiber.current();
            Fiber<Void> child = Fiber.builder().unstarted(() -> {
                try {
                    main.switchTo(null);
                } catch (FiberCancelledException e) {
                    seen.set(e);
                    throw e;
                }
            });
            child.switchTo(null);
            child.cancel();
            assertThatThrownBy(child::join).isInstanceOf(FiberCancelledException.class);
            assertThat(seen.get()).isInstanceOf(FiberCancelledException.class);
            assertThat(child.state()).isEqualTo(FiberState.CANCELLED);
            return null;
        });
    }

    @Test
    void switching_works_in_jdk_scheduler_mode() {
        try (EventLoopGroup jdk = EventLoopGroup.create(1, SchedulerMode.JDK)) {
            List<String> trace = Fiber.builder().loop(jdk.loop(0)).start(() -> {
                List<String> lst = new CopyOnWriteArrayList<>();
                Fiber<?> main = Fiber.current();
                Fiber<String> g = Fiber.builder().unstarted(() -> {
                    lst.add("b");
                    main.switchTo(null);
                    lst.add("c");
                    return "end";
                });
                lst.add("a");
                g.switchTo(null);
                lst.add("d");
                lst.add((String) g.switchTo(null));
                return lst;
            }).join(Duration.ofSeconds(10));
            assertThat(trace).containsExactly("a", "b", "d", "c", "end");
        }
    }
}
