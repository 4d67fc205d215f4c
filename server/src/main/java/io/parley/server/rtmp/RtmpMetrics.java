package io.parley.server.rtmp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The RTMP and HTTP-FLV edge's meters (docs/rtmp-metrics-draft.md). Tags are small fixed sets, never stream names.
 * Thread-safe.
 */
public final class RtmpMetrics {
    /** Protocol error reasons that get their own tag value; others count as "other". */
    static final Set<String> ERROR_REASONS = Set.of("handshake", "handshake_timeout", "chunk_header", "chunk_streams",
            "chunk_size", "message_too_large", "amf", "idle_timeout", "gate_timeout", "other");

    private final MeterRegistry registry;
    private final AtomicInteger rtmpConnections = new AtomicInteger();
    private final AtomicInteger flvConnections = new AtomicInteger();
    private final AtomicInteger rtmpPublishers = new AtomicInteger();
    private final AtomicInteger localPublishers = new AtomicInteger();
    private final AtomicInteger rtmpPlayers = new AtomicInteger();
    private final AtomicInteger flvPlayers = new AtomicInteger();
    private final AtomicInteger localSubscribers = new AtomicInteger();
    private final Counter rtmpBytesIn;
    private final Counter rtmpBytesOut;
    private final Counter flvBytesOut;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public RtmpMetrics(MeterRegistry registry) {
        this.registry = registry;
        gauge("parley.rtmp.connections", rtmpConnections, "Open RTMP connections (any state)");
        gauge("parley.flv.connections", flvConnections, "Open HTTP-FLV responses");
        Gauge.builder("parley.rtmp.publishers", rtmpPublishers, AtomicInteger::get).tag("form", "rtmp")
                .description("Live streams by publisher form").register(registry);
        Gauge.builder("parley.rtmp.publishers", localPublishers, AtomicInteger::get).tag("form", "local")
                .description("Live streams by publisher form").register(registry);
        gauge("parley.rtmp.players", rtmpPlayers, "RTMP players subscribed to a stream (live or waiting)");
        gauge("parley.flv.players", flvPlayers, "HTTP-FLV players subscribed to a stream (live or waiting)");
        gauge("parley.rtmp.local.subscribers", localSubscribers, "In-process subscribers (transcoders)");
        rtmpBytesIn = Counter.builder("parley.rtmp.bytes").tag("direction", "in").baseUnit("bytes")
                .description("RTMP bytes on the wire").register(registry);
        rtmpBytesOut = Counter.builder("parley.rtmp.bytes").tag("direction", "out").baseUnit("bytes")
                .description("RTMP bytes on the wire").register(registry);
        flvBytesOut = Counter.builder("parley.flv.bytes").tag("direction", "out").baseUnit("bytes")
                .description("HTTP-FLV body bytes written").register(registry);
        // Refusals exist from the start (at 0): a series that appears only with the first refusal shows as "no data"
        // on dashboards and makes rate()/increase() miss that first refusal.
        for (Refusal code : Refusal.values()) {
            rtmpRefusalCounter("publish", code);
            rtmpRefusalCounter("play", code);
            flvRefusalCounter(code);
        }
    }

    /** Meters in a private registry, for tests and for a server without /metrics. */
    public static RtmpMetrics detached() {
        return new RtmpMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    private void gauge(String name, AtomicInteger value, String description) {
        Gauge.builder(name, value, AtomicInteger::get).description(description).register(registry);
    }

    private Counter counter(String name, String description, String... tags) {
        String id = name + String.join("\0", tags);
        return counters.computeIfAbsent(id, k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    void rtmpConnection(int delta) {
        rtmpConnections.addAndGet(delta);
    }

    void flvConnection(int delta) {
        flvConnections.addAndGet(delta);
    }

    void publishers(Form form, int delta) {
        (form == Form.LOCAL ? localPublishers : rtmpPublishers).addAndGet(delta);
    }

    void subscribers(Form form, int delta) {
        switch (form) {
            case RTMP -> rtmpPlayers.addAndGet(delta);
            case FLV -> flvPlayers.addAndGet(delta);
            case LOCAL -> localSubscribers.addAndGet(delta);
        }
    }

    void bytesIn(long n) {
        rtmpBytesIn.increment(n);
    }

    void bytesOut(long n) {
        rtmpBytesOut.increment(n);
    }

    void flvBytesOut(long n) {
        flvBytesOut.increment(n);
    }

    void handshake(boolean digest) {
        counter("parley.rtmp.handshakes", "Completed RTMP handshakes by kind", "kind", digest ? "digest" : "plain").increment();
    }

    /** A publish or play refusal as seen by an RTMP peer ({@code action} publish|play). */
    void rtmpRefusal(String action, Refusal code) {
        rtmpRefusalCounter(action, code).increment();
    }

    private Counter rtmpRefusalCounter(String action, Refusal code) {
        return counter("parley.rtmp.refusals", "Refused RTMP publish/play requests by action and code",
                "action", action, "code", code.tag());
    }

    void flvRefusal(Refusal code) {
        flvRefusalCounter(code).increment();
    }

    private Counter flvRefusalCounter(Refusal code) {
        return counter("parley.flv.refusals", "Refused HTTP-FLV requests by code", "code", code.tag());
    }

    void protocolError(String reason) {
        String r = ERROR_REASONS.contains(reason) ? reason : "other";
        counter("parley.rtmp.protocol.errors", "RTMP connections closed for breaking the protocol or a bound",
                "reason", r).increment();
    }

    void tagSkipped(Form form) {
        counter("parley.rtmp.tags.skipped", "Tags not sent to a player whose channel was unwritable",
                "form", form.name().toLowerCase(java.util.Locale.ROOT)).increment();
    }

    void slowPlayerClosed(Form form) {
        counter("parley.rtmp.slow.players.closed", "Players closed for staying unwritable too long",
                "form", form.name().toLowerCase(java.util.Locale.ROOT)).increment();
    }
}
