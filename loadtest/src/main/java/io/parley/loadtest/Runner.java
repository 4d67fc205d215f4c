package io.parley.loadtest;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one scenario: a progress line every second (with a server metrics sample), a bounded duration, and one report
 * at the end or on Ctrl-C (the shutdown hook prints what there is, writes the JSON and closes the sessions).
 */
final class Runner {
    static final int OK = 0;
    static final int RUN_FAILED = 1;
    static final int BAD_SETTINGS = 2;

    private final CommonOptions options;
    private final Scenario scenario;
    private final PrintStream out;
    private final PrintStream err;
    private final Stats stats = new Stats();
    private final ServerMetrics server;
    private final List<Map<String, Object>> timeline = new ArrayList<>();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final Instant startedAt = Instant.now();
    private long startNanos;
    private long lastLogins;
    private long lastPacketsIn;
    private long lastPacketsOut;
    private volatile Map<String, Object> report;

    Runner(CommonOptions options, Scenario scenario, PrintStream out, PrintStream err) {
        this.options = options;
        this.scenario = scenario;
        this.out = out;
        this.err = err;
        this.server = new ServerMetrics(options.metricsUri());
    }

    int run() throws InterruptedException {
        startNanos = System.nanoTime();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loadtest-progress");
            t.setDaemon(true);
            return t;
        });
        server.sample(0); // the server's counters before the run
        stats.onSteady(server::markSteady);
        stats.onEnding(() -> server.markEnd((System.nanoTime() - startNanos) / 1e9));
        ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        Thread hook = new Thread(() -> {
            if (!finished.get()) {
                err.println("\ninterrupted: reporting what was measured, then closing the sessions");
                scenario.stop();
                finish("interrupted");
                scenario.closeAll(2_000);
            }
        }, "loadtest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            scenario.run(stats, startNanos + options.duration.toNanos());
        } finally {
            ticker.shutdownNow();
        }
        finish("duration");
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is already running; it will find the run finished
        }
        long errors = stats.count(Stats.Counter.ERRORS);
        if (errors > 0) {
            err.println("the run had " + errors + " errors (exit code 1)");
            return RUN_FAILED;
        }
        if (stats.count(Stats.Counter.LOGINS) == 0) {
            err.println("no session logged in (exit code 1)");
            return RUN_FAILED;
        }
        return OK;
    }

    Map<String, Object> report() {
        return report;
    }

    private void tick() {
        try {
            double t = (System.nanoTime() - startNanos) / 1e9;
            server.sample(t);
            long logins = stats.count(Stats.Counter.LOGINS);
            long in = stats.count(Stats.Counter.PACKETS_RECEIVED);
            long sent = stats.count(Stats.Counter.PACKETS_SENT);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("t", Report.round(t));
            row.put("sessions", stats.sessions());
            row.put("loginsPerSecond", logins - lastLogins);
            row.put("packetsInPerSecond", in - lastPacketsIn);
            row.put("packetsOutPerSecond", sent - lastPacketsOut);
            row.put("errors", stats.count(Stats.Counter.ERRORS));
            double cpu = loadGeneratorCpu();
            row.put("loadGeneratorCpu", Report.round(cpu));
            long steadyAt = stats.steadyAt();
            // a whole second of steady load: it began before this second and the load has not started to end
            row.put("steady", steadyAt != 0 && steadyAt - startNanos < (t - 1) * 1e9 && stats.endingAt() == 0);
            lastLogins = logins;
            lastPacketsIn = in;
            lastPacketsOut = sent;
            synchronized (timeline) {
                timeline.add(row);
            }
            if (!options.quiet) {
                ServerMetrics.Sample s = server.last();
                String srv = s == null || s.t() < t - 1.5 ? "" : String.format(Locale.ROOT, " | server cpu %.0f%% heap %.0f MB sessions %.0f",
                        100 * s.cpu(), s.heapBytes() / 1e6, s.sessions());
                String extra = scenario.progress();
                err.printf(Locale.ROOT, "[%6.1fs] sessions %d | logins/s %d | pkts/s sent %d received %d | errors %d%s | loadgen cpu %.0f%%%s%n",
                        t, stats.sessions(), row.get("loginsPerSecond"), row.get("packetsOutPerSecond"), row.get("packetsInPerSecond"),
                        stats.count(Stats.Counter.ERRORS), extra.isEmpty() ? "" : " | " + extra, 100 * cpu, srv);
            }
        } catch (RuntimeException e) {
            err.println("progress: " + e);
        }
    }

    /** This process's share of the machine's CPU over the last moment (0..1), or NaN when the JVM cannot tell. */
    private static double loadGeneratorCpu() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuLoad() : Double.NaN;
    }

    /** Prints the table and writes the JSON once, whoever gets here first (the end of the run or the shutdown hook). */
    private void finish(String stoppedBy) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        server.sample((System.nanoTime() - startNanos) / 1e9); // the server's counters as the run ends
        List<Map<String, Object>> rows;
        synchronized (timeline) {
            rows = List.copyOf(timeline);
        }
        Map<String, Object> r = Report.build(scenario.name(), scenario.settings(), stats,
                (System.nanoTime() - startNanos) / 1e9, stoppedBy, rows, server, scenario.figures(), startedAt);
        report = r;
        Report.print(r, out);
        if (options.out != null) {
            try {
                Report.write(r, options.out);
                out.println("report: " + options.out.toAbsolutePath());
            } catch (IOException e) {
                err.println("could not write " + options.out + ": " + e);
            }
        }
        out.flush();
    }
}
