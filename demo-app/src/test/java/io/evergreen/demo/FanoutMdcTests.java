package io.evergreen.demo;

import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The request's MDC follows it into the fibers it spawns: the parts' log lines carry the request id and user
 * (the demo's log pattern puts {@code [requestId] [user]} after the level).
 */
@ExtendWith(OutputCaptureExtension.class)
class FanoutMdcTests extends AbstractDemoAppTests {

    @Test
    void childFibersLogWithTheRequestsMdc(CapturedOutput output) {
        HttpResponse<String> response = http.get("/fanout?n=4&ms=0", "X-Request-Id", "mdc-7", "X-User", "bob");
        assertThat(response.statusCode()).isEqualTo(200);

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(partLines(output)).hasSize(4));
        List<String> lines = partLines(output);
        assertThat(lines).allSatisfy(line -> assertThat(line).contains(" [mdc-7] [bob] ")
            .containsPattern("part [0-3] of request mdc-7 done on evergreen-loop-\\d+$"));
        assertThat(lines).extracting(line -> line.replaceAll(".*part (\\d+) of request.*", "$1"))
            .containsExactlyInAnyOrder("0", "1", "2", "3");
    }

    private static List<String> partLines(CapturedOutput output) {
        return output.getOut().lines().filter(line -> line.contains(" of request mdc-7 done on ")).toList();
    }
}
