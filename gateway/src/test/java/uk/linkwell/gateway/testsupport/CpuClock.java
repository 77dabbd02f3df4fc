package uk.linkwell.gateway.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * For benchmarks: CPU time of this JVM (the gateway and the test's own clients) and of the local PostgreSQL
 * backends serving the test database, read from /proc; backends that come and go in between are not counted.
 */
public final class CpuClock {

    /** CPU seconds used since the clock started; PostgreSQL's is -1 where its backends cannot be read. */
    public record Used(double jvmSeconds, double postgresSeconds) {}

    private final JdbcTemplate jdbc;
    private final long jvmStart;
    private final java.util.Map<Integer, Long> postgresStart;

    public CpuClock(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.jvmStart = jvmNanos();
        this.postgresStart = postgresTicks();
    }

    public Used used() {
        double jvm = (jvmNanos() - jvmStart) / 1e9;
        java.util.Map<Integer, Long> now = postgresTicks();
        if (postgresStart.isEmpty() || now.isEmpty()) {
            return new Used(jvm, -1);
        }
        long ticks = 0;
        for (var e : now.entrySet()) {
            ticks += e.getValue() - postgresStart.getOrDefault(e.getKey(), e.getValue());
        }
        return new Used(jvm, ticks / 100.0); // USER_HZ is 100 on Linux
    }

    private static long jvmNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private java.util.Map<Integer, Long> postgresTicks() {
        java.util.Map<Integer, Long> ticks = new java.util.HashMap<>();
        for (Integer pid : jdbc.queryForList(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()", Integer.class)) {
            try {
                String stat = Files.readString(Path.of("/proc", pid.toString(), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12])); // utime + stime
            } catch (Exception e) {
                return java.util.Map.of(); // not a local server (or not Linux)
            }
        }
        return ticks;
    }
}
