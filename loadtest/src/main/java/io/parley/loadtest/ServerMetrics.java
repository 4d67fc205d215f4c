package io.parley.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples the server's Prometheus text endpoint: CPU, heap in use and sessions. A server without the endpoint is
 * tolerated: the report then says why there are no server figures.
 */
final class ServerMetrics {
    static final String CPU = "process_cpu_usage";
    static final String HEAP = "jvm_memory_used_bytes{area=\"heap\"}";
    static final String SESSIONS = "parley_sessions";

    /** The server's own latency histograms whose change over the run the report shows beside ours. */
    static final List<String> HISTOGRAMS = List.of("parley_login_latency_seconds", "parley_notification_latency_seconds",
            "parley_media_forward_latency_seconds");

    /** One sample; NaN where the server did not report the figure. */
    record Sample(double t, double cpu, double heapBytes, double sessions) {}

    private final URI url;
    private final HttpClient http;
    private final List<Sample> samples = new ArrayList<>();
    private volatile String note;
    private volatile Sample last;
    /** Cumulative bucket counts by histogram and upper bound: at the first sample, at the steady mark, at the last. */
    private volatile Map<String, java.util.TreeMap<Double, Double>> firstBuckets;
    private volatile Map<String, java.util.TreeMap<Double, Double>> steadyBuckets;
    private volatile Map<String, java.util.TreeMap<Double, Double>> lastBuckets;
    private volatile boolean steadyWanted;
    private volatile Map<String, java.util.TreeMap<Double, Double>> endBuckets;

    ServerMetrics(URI url) {
        this.url = url;
        this.http = url == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofMillis(800)).build();
        this.note = url == null ? "not sampled (--metrics-url none)" : "no sample yet";
    }

    /** Takes one sample (called once a second from the progress thread). */
    void sample(double t) {
        if (url == null) {
            return;
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofMillis(900)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                note = url + " answered HTTP " + r.statusCode() + " (the server has no metrics endpoint yet?)";
                return;
            }
            Map<String, Double> v = parse(r.body());
            Map<String, java.util.TreeMap<Double, Double>> buckets = buckets(r.body());
            if (firstBuckets == null) {
                firstBuckets = buckets;
            }
            if (steadyWanted && steadyBuckets == null) {
                steadyBuckets = buckets;
            }
            lastBuckets = buckets;
            Sample s = new Sample(t, v.getOrDefault(CPU, Double.NaN), v.getOrDefault(HEAP, Double.NaN),
                    v.getOrDefault(SESSIONS, Double.NaN));
            synchronized (samples) {
                samples.add(s);
            }
            last = s;
            note = "sampled " + url;
        } catch (Exception e) {
            note = url + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        }
    }

    /**
     * The figures we use from a Prometheus text page: each metric summed over its series, and heap summed over the
     * series labelled area="heap".
     */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = brace >= 0 ? line.indexOf(' ', line.indexOf('}', brace)) : line.indexOf(' ');
            if (space < 0) {
                continue;
            }
            String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
            String labels = brace >= 0 && brace < space ? line.substring(brace, space) : "";
            String[] rest = line.substring(space + 1).trim().split("\\s+");
            double value;
            try {
                value = Double.parseDouble(rest[0]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (name.equals("jvm_memory_used_bytes") && labels.contains("area=\"heap\"")) {
                out.merge(HEAP, value, Double::sum);
            } else if (name.equals(CPU) || name.equals(SESSIONS)) {
                out.merge(name, value, Double::sum);
            }
        }
        return out;
    }

    /** Takes a sample now and ends the histograms' window there (the sessions' closing is not the load). */
    synchronized void markEnd(double t) {
        if (endBuckets == null) {
            sample(t);
            endBuckets = lastBuckets;
        }
    }

    /** Server histograms are reported from the next sample on as well ("steady" phase of the scenario). */
    void markSteady() {
        steadyWanted = true;
    }

    /** {@code name_bucket{...,le="0.001"} 42} lines of {@link #HISTOGRAMS}: cumulative counts by upper bound. */
    static Map<String, java.util.TreeMap<Double, Double>> buckets(String text) {
        Map<String, java.util.TreeMap<Double, Double>> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int brace = line.indexOf('{');
            if (brace < 0 || !line.substring(0, brace).endsWith("_bucket")) {
                continue;
            }
            String name = line.substring(0, brace - "_bucket".length());
            if (!HISTOGRAMS.contains(name)) {
                continue;
            }
            int le = line.indexOf("le=\"", brace);
            int close = line.indexOf('}', brace);
            if (le < 0 || close < 0) {
                continue;
            }
            String bound = line.substring(le + 4, line.indexOf('"', le + 4));
            try {
                double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                double count = Double.parseDouble(line.substring(close + 1).trim().split("\\s+")[0]);
                out.computeIfAbsent(name, k -> new java.util.TreeMap<>()).merge(upper, count, Double::sum);
            } catch (NumberFormatException e) {
                // not a number: skip the line
            }
        }
        return out;
    }

    /**
     * The server's histograms over the run (first sample to the end of the load, before the sessions close) and, if
     * marked, over the steady phase: count and
     * percentiles as bucket upper bounds in ms ("p99 <= 2 ms": the server's buckets are coarse).
     */
    Map<String, Object> histograms() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, java.util.TreeMap<Double, Double>> end = endBuckets != null ? endBuckets : lastBuckets;
        if (end == null) {
            return m;
        }
        for (String name : HISTOGRAMS) {
            Map<String, Object> h = new LinkedHashMap<>();
            Map<String, Object> run = delta(firstBuckets, end, name);
            if (run != null) {
                h.put("run", run);
            }
            Map<String, Object> steady = steadyBuckets == null ? null : delta(steadyBuckets, end, name);
            if (steady != null) {
                h.put("steady", steady);
            }
            if (!h.isEmpty()) {
                m.put(name, h);
            }
        }
        return m;
    }

    static Map<String, Object> delta(Map<String, java.util.TreeMap<Double, Double>> from,
                                     Map<String, java.util.TreeMap<Double, Double>> to, String name) {
        java.util.TreeMap<Double, Double> b = to.get(name);
        if (b == null) {
            return null;
        }
        java.util.TreeMap<Double, Double> a = from == null ? null : from.get(name);
        java.util.TreeMap<Double, Double> d = new java.util.TreeMap<>();
        b.forEach((le, c) -> d.put(le, c - (a == null ? 0 : a.getOrDefault(le, 0.0))));
        double total = d.lastEntry().getValue();
        if (total <= 0) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("unit", "ms (bucket upper bound)");
        m.put("count", (long) total);
        for (double p : new double[] {50, 90, 99, 99.9}) {
            double rank = total * p / 100;
            for (Map.Entry<Double, Double> e : d.entrySet()) {
                if (e.getValue() >= rank) {
                    m.put(Report.key(p), e.getKey().isInfinite() ? "inf" : (Object) Report.round(e.getKey() * 1000));
                    break;
                }
            }
        }
        return m;
    }

    Sample last() {
        return last;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    String note() {
        return note;
    }

    boolean available() {
        return last != null;
    }
}
