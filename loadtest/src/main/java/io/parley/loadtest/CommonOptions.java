package io.parley.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options every scenario shares: where the server is, how tokens are made, how long to run, where to report. */
final class CommonOptions {
    @Option(names = "--url", paramLabel = "WS_URL", description = "Server WebSocket URL (default: ${DEFAULT-VALUE}).")
    URI url = URI.create("ws://127.0.0.1:8080/ws");

    @Option(names = "--app", paramLabel = "APP_ID", description = "AppID (with --secret; with --token-url it is read from the endpoint).")
    Long app;

    @Option(names = "--secret", paramLabel = "SECRET", description = "The App's secret; the tool mints HS256 JWTs with it "
            + "(default: the PARLEY_APP_SECRET environment variable).")
    String secret = System.getenv("PARLEY_APP_SECRET");

    @Option(names = "--token-url", paramLabel = "URL", description = "A dev token endpoint such as http://127.0.0.1:8080/dev/token "
            + "(GET ?user=U&room=R answering {\"appID\":N,\"token\":\"...\"}); used instead of --secret.")
    URI tokenUrl;

    @Option(names = "--token-ttl", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2h",
            description = "Lifetime of minted tokens (default: ${DEFAULT-VALUE}).")
    Duration tokenTtl = Duration.ofHours(2);

    @Option(names = {"-d", "--duration"}, paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "30s",
            description = "Run time including ramp-up, e.g. 30s, 5m (default: ${DEFAULT-VALUE}). Ctrl-C stops early and still reports.")
    Duration duration = Duration.ofSeconds(30);

    @Option(names = "--out", paramLabel = "FILE", description = "Write every figure of the run as JSON to FILE.")
    Path out;

    @Option(names = "--metrics-url", paramLabel = "URL", description = "Server Prometheus endpoint sampled every second "
            + "(default: /metrics on the --url host; 'none' to skip).")
    String metricsUrl;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "3s",
            description = "How long the reachability check waits for the server (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout = Duration.ofSeconds(3);

    @Option(names = {"-q", "--quiet"}, description = "No progress line.")
    boolean quiet;

    /** The Prometheus URL to sample, or null when sampling is off. */
    URI metricsUri() {
        if ("none".equals(metricsUrl)) {
            return null;
        }
        if (metricsUrl != null) {
            return URI.create(metricsUrl);
        }
        String scheme = "wss".equalsIgnoreCase(url.getScheme()) ? "https" : "http";
        return URI.create(scheme + "://" + url.getHost() + ":" + Preflight.port(url) + "/metrics");
    }
}
