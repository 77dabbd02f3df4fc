package uk.linkwell.gateway.testsupport;

import java.lang.management.ManagementFactory;

/** For benchmarks: the time this JVM's JIT compilers have spent so far, so a report can show the rounds found them idle. */
public final class JitCompilation {

    private JitCompilation() {}

    public static long millis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }
}
