package io.evergreen.demo.webflux;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reactive and blocking handlers of one application under concurrent load: 200 clients send 20 requests each,
 * mixing blocking handlers (on fibers, one sleeping) and reactive ones (a timer on Reactor's scheduler). Every answer
 * is the one its request asked for: each names the client and the request.
 */
class MixedStylesUnderLoadTests extends AbstractDemoWebFluxTests {

    private static final int CLIENTS = 200;

    private static final int REQUESTS_PER_CLIENT = 20;

    @Test
    void everyAnswerIsRightWhenBothStylesServeTogether() throws Exception {
        List<Future<Integer>> clients = new ArrayList<>(CLIENTS);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(threads.submit(() -> sendAndCheck(client)));
            }
            int answered = 0;
            for (Future<Integer> client : clients) {
                answered += client.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
            assertThat(answered).isEqualTo(CLIENTS * REQUESTS_PER_CLIENT);
        }
    }

    /** One client's requests, one after the other, each answer checked: how many were right. */
    private int sendAndCheck(int client) throws Exception {
        int right = 0;
        for (int r = 0; r < REQUESTS_PER_CLIENT; r++) {
            String name = "c" + client + "-r" + r;
            Request request = Request.values()[(client + r) % Request.values().length];
            HttpResponse<String> answer = http.get(request.path(name));
            assertThat(answer.statusCode()).as(name).isEqualTo(200);
            assertThat(answer.body()).as(name).isEqualTo(request.expectedBody(name));
            right++;
        }
        return right;
    }

    private enum Request {

        BLOCKING_SLEEP {
            @Override
            String path(String name) {
                return "/probe/blocking/echo?ms=2&n=" + name;
            }

            @Override
            String expectedBody(String name) {
                return "blocking " + name + " fiber=true";
            }
        },
        REACTIVE_DELAY {
            @Override
            String path(String name) {
                return "/probe/reactive/echo?ms=2&n=" + name;
            }

            @Override
            String expectedBody(String name) {
                return "reactive " + name + " fiber=false";
            }
        },
        BLOCKING_DEMO_JSON {
            @Override
            String path(String name) {
                return "/json";
            }

            @Override
            String expectedBody(String name) {
                return "{\"message\":\"Hello, World!\"}";
            }
        },
        REACTIVE_IMMEDIATE {
            @Override
            String path(String name) {
                return "/probe/reactive/echo?ms=0&n=" + name;
            }

            @Override
            String expectedBody(String name) {
                return "reactive " + name + " fiber=false";
            }
        };

        abstract String path(String name);

        abstract String expectedBody(String name);
    }
}
