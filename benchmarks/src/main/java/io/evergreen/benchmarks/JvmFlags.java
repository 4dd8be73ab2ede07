package io.evergreen.benchmarks;

/**
 * The JVM options the forked benchmark JVMs need, as constants for {@code @Fork(jvmArgsAppend = ...)}.
 */
final class JvmFlags {

    /** Evergreen's LOOP scheduler creates loop-scheduled virtual threads through a JDK-internal factory. */
    static final String OPEN_JAVA_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";

    /** The physical floor ({@link ContinuationBenchmark}) drives {@code jdk.internal.vm.Continuation} directly. */
    static final String EXPORT_JDK_INTERNAL_VM = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED";

    private JvmFlags() {
    }
}
