package io.evergreen.spring;

import io.evergreen.fiber.Fiber;
import io.evergreen.fiber.FiberLocal;
import io.evergreen.loop.EventLoopGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectFactory;
import org.springframework.mock.web.MockAsyncContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request owns its fiber scope and its fiber-locals, not the fiber that serves it: a server may serve the next
 * request of a keep-alive connection on the same fiber, and it must not see the previous request's beans or
 * fiber-local values.
 */
class FiberScopeFilterTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EventLoopGroup group = EventLoopGroup.create(1);

    private final FiberScope scope = new FiberScope();

    private final FiberScopeFilter filter = new FiberScopeFilter();

    private final AtomicInteger instances = new AtomicInteger();

    private final List<Object> destroyed = new ArrayList<>();

    @AfterEach
    void closeGroup() {
        group.close(WAIT);
    }

    @Test
    void twoRequestsServedOneAfterTheOtherOnOneFiberGetTheirOwnBeans() {
        List<Object> seen = onFiber(() -> {
            List<Object> beans = new ArrayList<>();
            filter.doFilter(new MockHttpServletRequest(), new MockHttpServletResponse(), useBean(beans));
            filter.doFilter(new MockHttpServletRequest(), new MockHttpServletResponse(), useBean(beans));
            return beans;
        });
        assertThat(seen).hasSize(2).doesNotHaveDuplicates();
        assertThat(destroyed).containsExactlyElementsOf(seen);
        assertThat(scope.getLiveCount()).isZero();
    }

    @Test
    void twoRequestsServedOneAfterTheOtherOnOneFiberDoNotSeeEachOthersFiberLocals() {
        FiberLocal<String> user = FiberLocal.create();
        List<String> seen = onFiber(() -> {
            List<String> users = new ArrayList<>();
            user.set("set by the server before any request");
            for (String requestUser : List.of("alice", "bob")) {
                filter.doFilter(new MockHttpServletRequest(), new MockHttpServletResponse(), (request, response) -> {
                    users.add(user.get());
                    user.set(requestUser);
                });
            }
            users.add(user.get());
            return users;
        });
        assertThat(seen).containsExactly(null, null, "set by the server before any request");
    }

    /** The scope's id names the request it belongs to, without its query, and is built only when asked for. */
    @Test
    void theRequestsScopeIsIdentifiedByItsMethodAndPath() {
        List<String> ids = onFiber(() -> {
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                MockHttpServletRequest request = new MockHttpServletRequest("GET", "/orders/42");
                request.setQueryString("user=ann");
                filter.doFilter(request, new MockHttpServletResponse(), (req, res) -> seen.add(scope.getConversationId()));
            }
            return seen;
        });
        assertThat(ids).hasSize(2).doesNotHaveDuplicates().allMatch(id -> id.matches("GET /orders/42#\\d+"));
    }

    @Test
    void aForwardWithinARequestKeepsItsFiberLocals() {
        FiberLocal<String> user = FiberLocal.create();
        String seen = onFiber(() -> {
            MockHttpServletRequest request = new MockHttpServletRequest();
            String[] forwarded = new String[1];
            filter.doFilter(request, new MockHttpServletResponse(), (req, res) -> {
                user.set("alice");
                filter.doFilter(req, res, (forwardedRequest, forwardedResponse) -> forwarded[0] = user.get());
            });
            return forwarded[0];
        });
        assertThat(seen).isEqualTo("alice");
    }

    @Test
    void anAsyncRequestKeepsItsBeansUntilItCompletesAndItsLaterDispatchSeesThem() {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setAsyncSupported(true);
        List<Object> beans = new ArrayList<>();
        onFiber(() -> {
            filter.doFilter(request, new MockHttpServletResponse(), (req, res) -> {
                beans.add(bean());
                req.startAsync();
            });
            return null;
        });
        assertThat(destroyed).isEmpty();
        // The async dispatch, on another fiber.
        request.setDispatcherType(DispatcherType.ASYNC);
        onFiber(() -> {
            filter.doFilter(request, new MockHttpServletResponse(), useBean(beans));
            return null;
        });
        assertThat(beans).hasSize(2).containsOnly(beans.getFirst());
        assertThat(destroyed).isEmpty();
        ((MockAsyncContext) request.getAsyncContext()).complete();
        assertThat(destroyed).containsExactly(beans.getFirst());
    }

    @Test
    void outsideFibersTheFilterStepsAside() throws Exception {
        boolean[] called = new boolean[1];
        filter.doFilter(new MockHttpServletRequest(), new MockHttpServletResponse(), (req, res) -> called[0] = true);
        assertThat(called[0]).isTrue();
    }

    private FilterChain useBean(List<Object> beans) {
        return (request, response) -> beans.add(bean());
    }

    private Object bean() {
        ObjectFactory<Object> factory = () -> "bean-" + instances.incrementAndGet();
        Object bean = scope.get("bean", factory);
        scope.registerDestructionCallback("bean", () -> destroyed.add(bean));
        return bean;
    }

    private <T> T onFiber(java.util.concurrent.Callable<T> body) {
        return Fiber.builder().loop(group.loop(0)).start(body).join(WAIT);
    }
}
