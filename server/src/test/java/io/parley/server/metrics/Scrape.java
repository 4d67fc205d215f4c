package io.parley.server.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** One GET /metrics, parsed: series ({@code name{labels}}) to value. */
public record Scrape(String text, Map<String, Double> series) {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static Scrape of(int port) {
        HttpResponse<String> r = get(port, "/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + r.statusCode());
        }
        return parse(r.body());
    }

    public static HttpResponse<String> get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Scrape parse(String text) {
        Map<String, Double> series = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            series.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return new Scrape(text, series);
    }

    /** The value of one series, e.g. {@code parley_logins_total{code="0"}}; 0 when absent... no: absent fails. */
    public double value(String seriesName) {
        Double v = series.get(seriesName);
        if (v == null) {
            throw new AssertionError("no series " + seriesName + " in the scrape");
        }
        return v;
    }

    /** Sum over every series of a metric name, whatever its labels. */
    public double sum(String name) {
        double s = 0;
        for (Map.Entry<String, Double> e : series.entrySet()) {
            if (metricName(e.getKey()).equals(name)) {
                s += e.getValue();
            }
        }
        return s;
    }

    /** Metric names (series names without labels). */
    public Set<String> names() {
        Set<String> out = new TreeSet<>();
        for (String s : series.keySet()) {
            out.add(metricName(s));
        }
        return out;
    }

    static String metricName(String series) {
        int b = series.indexOf('{');
        return b < 0 ? series : series.substring(0, b);
    }
}
