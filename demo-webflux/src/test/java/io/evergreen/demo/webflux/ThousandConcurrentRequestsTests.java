package io.evergreen.demo.webflux;

import io.evergreen.demo.probe.Rendezvous;
import io.evergreen.demo.webflux.DemoHttp.RawAnswer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 1,000 requests to a blocking handler that waits until all 1,000 have arrived: they can only be answered if all are
 * in flight at once, each parked on its fiber while the loops go on reading the others.
 */
class ThousandConcurrentRequestsTests extends AbstractDemoWebFluxTests {

    private static final int REQUESTS = 1_000;

    @Autowired
    Rendezvous rendezvous;

    @Test
    void aThousandBlockedHandlersAreAllInFlightAtOnceAndAllComplete() throws Exception {
        rendezvous.expect(REQUESTS);
        List<Future<RawAnswer>> answers = new ArrayList<>(REQUESTS);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < REQUESTS; i++) {
                String path = "/probe/rendezvous?n=r-" + i;
                answers.add(clients.submit(() -> DemoHttp.getOnNewConnection(port, path)));
            }
            for (int i = 0; i < REQUESTS; i++) {
                RawAnswer answer = answers.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertThat(answer.status()).as("request %d", i).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("r-" + i + " met");
            }
        }
        await("the request fibers end").atMost(PATIENCE).until(() -> group.liveFibers() == 0);
    }
}
