package io.parley.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The end of a run: a percentile table on stdout and, with --out, a JSON file holding every figure. */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final double[] PERCENTILES = {50, 90, 95, 99, 99.9};

    private Report() {}

    /** Percentiles of one latency in milliseconds. */
    static Map<String, Object> latency(Histogram h, String meaning) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("unit", "ms");
        m.put("meaning", meaning);
        m.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            m.put("min", ms(h.getMinValue()));
            m.put("mean", round(h.getMean() / 1e6));
            for (double p : PERCENTILES) {
                m.put(key(p), ms(h.getValueAtPercentile(p)));
            }
            m.put("max", ms(h.getMaxValue()));
        }
        return m;
    }

    static String key(double p) {
        return p == Math.rint(p) ? "p" + (int) p : ("p" + p).replace('.', '_');
    }

    static Map<String, Object> build(String scenario, Map<String, Object> settings, Stats stats, double elapsedSeconds,
                                     String stoppedBy, List<Map<String, Object>> timeline, ServerMetrics server,
                                     Map<String, Object> figures, Instant startedAt) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tool", "parley-loadtest");
        r.put("scenario", scenario);
        r.put("startedAt", startedAt.toString());
        r.put("elapsedSeconds", round(elapsedSeconds));
        r.put("stoppedBy", stoppedBy);
        r.put("settings", settings);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("cpus", Runtime.getRuntime().availableProcessors());
        host.put("loadAverage1m", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        host.put("java", System.getProperty("java.version"));
        r.put("loadGenerator", host);
        Map<String, Object> lat = new LinkedHashMap<>();
        for (Stats.Timer t : Stats.Timer.values()) {
            Histogram h = stats.snapshot(t);
            if (h.getTotalCount() > 0) {
                lat.put(t.key, latency(h, t.meaning));
            }
        }
        r.put("latencies", lat);
        Map<String, Long> counters = stats.counters();
        r.put("counters", counters);
        Map<String, Object> derived = new LinkedHashMap<>();
        long fanExpected = counters.get(Stats.Counter.FANOUT_EXPECTED.key);
        if (fanExpected > 0) {
            long got = counters.get(Stats.Counter.FANOUT_RECEIVED.key);
            derived.put("stream_fanout_missing", Math.max(0, fanExpected - got));
        }
        derived.put("peak_logins_per_second", peak(timeline, "loginsPerSecond"));
        derived.put("peak_packets_in_per_second", peak(timeline, "packetsInPerSecond"));
        derived.put("mean_packets_in_per_second", steadyMean(timeline, "packetsInPerSecond"));
        List<Map<String, Object>> steady = timeline.stream().filter(m -> Boolean.TRUE.equals(m.get("steady"))).toList();
        if (!steady.isEmpty()) {
            derived.put("steady_seconds", steady.size());
            derived.put("steady_mean_packets_in_per_second", round(mean(steady, "packetsInPerSecond")));
            derived.put("steady_mean_load_generator_cpu", round(mean(steady, "loadGeneratorCpu")));
        }
        derived.put("peak_sessions", peak(timeline, "sessions"));
        derived.putAll(figures);
        r.put("derived", derived);
        Map<String, Object> errors = new LinkedHashMap<>();
        errors.put("total", counters.get(Stats.Counter.ERRORS.key));
        errors.put("kinds", stats.errorKinds());
        r.put("errors", errors);
        Map<String, Object> srv = new LinkedHashMap<>();
        srv.put("available", server.available());
        srv.put("note", server.note());
        List<ServerMetrics.Sample> samples = server.samples();
        srv.put("maxCpu", samples.stream().mapToDouble(ServerMetrics.Sample::cpu).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN));
        srv.put("maxHeapBytes", samples.stream().mapToDouble(ServerMetrics.Sample::heapBytes).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN));
        srv.put("maxSessions", samples.stream().mapToDouble(ServerMetrics.Sample::sessions).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN));
        srv.put("histograms", server.histograms());
        long steadyAt = stats.steadyAt();
        if (steadyAt != 0) {
            double steadyT = elapsedSeconds - (System.nanoTime() - steadyAt) / 1e9;
            srv.put("steadyMeanCpu", round(samples.stream().filter(x -> x.t() > steadyT + 1).mapToDouble(ServerMetrics.Sample::cpu)
                    .filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN)));
        }
        srv.put("samples", samples);
        r.put("server", srv);
        r.put("timeline", timeline);
        return r;
    }

    private static double peak(List<Map<String, Object>> timeline, String key) {
        return timeline.stream().mapToDouble(m -> ((Number) m.getOrDefault(key, 0)).doubleValue()).max().orElse(0);
    }

    private static double mean(List<Map<String, Object>> rows, String key) {
        return rows.stream().mapToDouble(m -> ((Number) m.getOrDefault(key, 0)).doubleValue()).filter(d -> !Double.isNaN(d))
                .average().orElse(Double.NaN);
    }

    /** Mean of the non-zero seconds, leaving out the first and last of them (partial seconds). */
    private static double steadyMean(List<Map<String, Object>> timeline, String key) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Object> m : timeline) {
            double d = ((Number) m.getOrDefault(key, 0)).doubleValue();
            if (d > 0) {
                v.add(d);
            }
        }
        if (v.size() > 2) {
            v = v.subList(1, v.size() - 1);
        }
        return round(v.stream().mapToDouble(Double::doubleValue).average().orElse(0));
    }

    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> r, PrintStream out) {
        out.printf(Locale.ROOT, "%nparley-loadtest %s: %.1f s (%s)%n", r.get("scenario"), (Double) r.get("elapsedSeconds"), r.get("stoppedBy"));
        out.printf(Locale.ROOT, "%-14s %9s %9s %9s %9s %9s %9s %9s   (ms)%n", "latency", "count", "p50", "p90", "p95", "p99", "p99.9", "max");
        Map<String, Object> lat = (Map<String, Object>) r.get("latencies");
        lat.forEach((k, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            out.printf(Locale.ROOT, "%-14s %9d %9s %9s %9s %9s %9s %9s%n", k, (Long) m.get("count"), fmt(m.get("p50")),
                    fmt(m.get("p90")), fmt(m.get("p95")), fmt(m.get("p99")), fmt(m.get("p99_9")), fmt(m.get("max")));
        });
        if (lat.isEmpty()) {
            out.println("(no latency measured)");
        }
        StringBuilder c = new StringBuilder();
        ((Map<String, Long>) r.get("counters")).forEach((k, v) -> {
            if (v != 0 || k.equals("errors") || k.equals("logins")) {
                c.append(c.length() == 0 ? "" : ", ").append(k).append(' ').append(v);
            }
        });
        out.println("counters: " + c);
        StringBuilder d = new StringBuilder();
        ((Map<String, Object>) r.get("derived")).forEach((k, v) -> d.append(d.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        out.println("derived:  " + d);
        Map<String, Object> errors = (Map<String, Object>) r.get("errors");
        ((Map<String, Long>) errors.get("kinds")).entrySet().stream().limit(10)
                .forEach(e -> out.println("  error x" + e.getValue() + ": " + e.getKey()));
        Map<String, Object> srv = (Map<String, Object>) r.get("server");
        if (Boolean.TRUE.equals(srv.get("available"))) {
            Object steadyCpu = srv.get("steadyMeanCpu");
            out.printf(Locale.ROOT, "server:   max cpu %.0f%%%s, max heap used %.1f MB, max sessions %.0f (%s)%n",
                    100 * (Double) srv.get("maxCpu"), steadyCpu == null ? "" : String.format(Locale.ROOT, " (steady mean %.0f%%)",
                            100 * ((Number) steadyCpu).doubleValue()),
                    (Double) srv.get("maxHeapBytes") / 1e6, (Double) srv.get("maxSessions"), srv.get("note"));
            ((Map<String, Object>) srv.get("histograms")).forEach((name, v) -> ((Map<String, Object>) v).forEach((phase, h) -> {
                Map<String, Object> x = (Map<String, Object>) h;
                out.printf(Locale.ROOT, "  server %s (%s): count %s, p50 <= %s, p90 <= %s, p99 <= %s, p99.9 <= %s ms%n", name, phase,
                        x.get("count"), x.get("p50"), x.get("p90"), x.get("p99"), x.get("p99_9"));
            }));
        } else {
            out.println("server:   no metrics: " + srv.get("note"));
        }
    }

    static void write(Map<String, Object> r, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), r);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static String fmt(Object v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.3f", ((Number) v).doubleValue());
    }

    static double ms(long nanos) {
        return round(nanos / 1e6);
    }

    static double round(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? d : Math.round(d * 1000.0) / 1000.0;
    }
}
