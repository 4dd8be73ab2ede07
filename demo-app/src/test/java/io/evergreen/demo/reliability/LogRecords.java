package io.evergreen.demo.reliability;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records {@code java.util.logging} receives while it is open: where Evergreen's watchdog logs (through
 * {@link System.Logger}) and Tomcat logs a request's failure.
 * <p>
 * Why not the console output: Spring Boot forwards these records to Logback through a bridge that it removes
 * whenever any application context of the JVM closes (its logging system's clean-up), say a
 * {@code @DirtiesContext} test class run earlier in the same JVM. From then on they never reach the console of a
 * cached context, and a test reading it would fail for a reason that has nothing to do with the code under test.
 */
final class LogRecords implements AutoCloseable {

    private final Logger root = Logger.getLogger("");
    private final Queue<LogRecord> records = new ConcurrentLinkedQueue<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogRecords() {
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
    }

    static LogRecords open() {
        return new LogRecords();
    }

    /** The records of a logger, at a level or above, so far. */
    List<LogRecord> of(String loggerNamePrefix, Level atLeast) {
        return records.stream()
            .filter(record -> record.getLoggerName() != null && record.getLoggerName().startsWith(loggerNamePrefix))
            .filter(record -> record.getLevel().intValue() >= atLeast.intValue())
            .toList();
    }

    /** Whether a record's throwable, or one of its causes, is of that type with that message. */
    static boolean thrownIncludes(LogRecord record, Class<? extends Throwable> type, String message) {
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            if (type.isInstance(t) && (message == null || message.equals(t.getMessage()))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        root.removeHandler(handler);
    }
}
