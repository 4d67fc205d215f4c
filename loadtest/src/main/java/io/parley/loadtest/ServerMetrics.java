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

    /** One sample; NaN where the server did not report the figure. */
    record Sample(double t, double cpu, double heapBytes, double sessions) {}

    private final URI url;
    private final HttpClient http;
    private final List<Sample> samples = new ArrayList<>();
    private volatile String note;
    private volatile Sample last;

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
