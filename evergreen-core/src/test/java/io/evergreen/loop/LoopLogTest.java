package io.evergreen.loop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.evergreen.testing.Waiting.await;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class LoopLogTest {

    private static final String NAME = LoopLogTest.class.getName() + ".records";

    private final Logger julLogger = Logger.getLogger(NAME);
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(Thread.currentThread().getName() + ": " + record.getMessage()
                    + (record.getThrown() == null ? "" : " / " + record.getThrown().getMessage()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureRecords() {
        julLogger.setUseParentHandlers(false);
        julLogger.addHandler(handler);
    }

    @AfterEach
    void stopCapturing() {
        julLogger.removeHandler(handler);
        julLogger.setUseParentHandlers(true);
    }

    @Test
    void a_loop_thread_hands_its_records_to_the_writer_thread() {
        try (EventLoopGroup group = EventLoopGroup.create(1)) {
            System.Logger logger = System.getLogger(NAME);

            group.loop(0).execute(() -> LoopLog.log(logger, System.Logger.Level.ERROR, "on the loop",
                    new IllegalStateException("boom")));

            await().until(() -> logged.size() == 1);
            assertThat(logged).containsExactly(LoopLog.THREAD_NAME + ": on the loop / boom");
        }
    }

    @Test
    void other_threads_log_at_once_on_their_own_thread() {
        System.Logger logger = System.getLogger(NAME);

        LoopLog.log(logger, System.Logger.Level.WARNING, "elsewhere", null);

        assertThat(logged).containsExactly(Thread.currentThread().getName() + ": elsewhere");
    }
}
