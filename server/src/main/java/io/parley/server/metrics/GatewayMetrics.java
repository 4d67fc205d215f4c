package io.parley.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.parley.protocol.signal.Messages;
import io.parley.server.gateway.GatewayEvents;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The gateway's events as meters. Request types a client makes up are counted as "other", never as a label. */
final class GatewayMetrics implements GatewayEvents {
    static final String OTHER = "other";
    static final String OK = "ok";

    private final MeterRegistry registry;
    private final Set<String> knownTypes = knownTypes();
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final AtomicLong sessions = new AtomicLong();
    private final Counter framesIn;
    private final Counter framesOut;
    private final Timer notificationLatency;
    private final Map<GatewayEvents.End, Counter> ended = new java.util.EnumMap<>(GatewayEvents.End.class);
    private final Map<GatewayEvents.Refusal, Counter> refused = new java.util.EnumMap<>(GatewayEvents.Refusal.class);
    private final Counter pushesDropped;
    private final Counter rateLimited;
    private final Counter relayed;

    GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("parley.sessions", sessions, AtomicLong::get)
                .description("Open signalling sessions (WebSocket connections past the handshake)").register(registry);
        this.framesIn = frames("in");
        this.framesOut = frames("out");
        this.notificationLatency = Timer.builder("parley.notification.latency")
                .description("Fan-out: from the room loop's decision to the write into each member's channel")
                .serviceLevelObjectives(Buckets.FAST)
                .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofMillis(250))
                .register(registry);
        for (GatewayEvents.End e : GatewayEvents.End.values()) {
            ended.put(e, Counter.builder("parley.gateway.closed")
                    .description("Connections the gateway closed on its own, by reason").tag("reason", e.label()).register(registry));
        }
        for (GatewayEvents.Refusal r : GatewayEvents.Refusal.values()) {
            refused.put(r, Counter.builder("parley.gateway.refused")
                    .description("New connections refused: node (503) or source address (429) over its cap")
                    .tag("scope", r.label()).register(registry));
        }
        this.pushesDropped = Counter.builder("parley.pushes.dropped")
                .description("Best-effort pushes (quality updates, online counts, barrage messages) not sent because the connection was unwritable")
                .register(registry);
        this.rateLimited = Counter.builder("parley.requests.rate.limited")
                .description("WebSocket messages refused unread because their connection was over its request rate")
                .register(registry);
        this.relayed = Counter.builder("parley.gateway.relayed.sessions")
                .description("Cluster mode: WebSocket sessions this node relayed to the node hosting their room")
                .register(registry);
        for (String t : Set.of(Messages.LOGIN_ROOM, Messages.LOGOUT_ROOM, Messages.START_PUBLISHING,
                Messages.STOP_PUBLISHING, Messages.HEARTBEAT)) {
            requestCounter(t, OK);
        }
    }

    private Counter frames(String direction) {
        return Counter.builder("parley.frames").description("WebSocket text frames (binary ones are refused)")
                .tag("direction", direction).register(registry);
    }

    private Counter requestCounter(String type, String result) {
        String t = knownTypes.contains(type) ? type : OTHER;
        return requests.computeIfAbsent(t + '\0' + result, k -> Counter.builder("parley.requests")
                .description("Requests by type and result (ok = accepted; otherwise the error code)")
                .tag("type", t).tag("result", result).register(registry));
    }

    @Override
    public void request(String type) {
        requestCounter(type, OK).increment();
    }

    @Override
    public void requestFailed(String type, int code) {
        requestCounter(type, Integer.toString(code)).increment();
    }

    @Override
    public void frameIn() {
        framesIn.increment();
    }

    @Override
    public void frameOut() {
        framesOut.increment();
    }

    @Override
    public void notificationLatency(long nanos) {
        notificationLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void connectionOpened() {
        sessions.incrementAndGet();
    }

    @Override
    public void connectionClosed() {
        sessions.decrementAndGet();
    }

    @Override
    public void connectionEnded(GatewayEvents.End why) {
        ended.get(why).increment();
    }

    @Override
    public void connectionRefused(GatewayEvents.Refusal why) {
        refused.get(why).increment();
    }

    @Override
    public void openConnections(java.util.function.IntSupplier open) {
        Gauge.builder("parley.gateway.connections", open, s -> s.getAsInt())
                .description("Open connections on the public port (HTTP, WebSocket, HTTP-FLV), as counted by the caps")
                .register(registry);
    }

    @Override
    public void pushDropped() {
        pushesDropped.increment();
    }

    @Override
    public void rateLimited() {
        rateLimited.increment();
    }

    /** Every message name the protocol defines (requests and pushes), so new request types need no change here. */
    private static Set<String> knownTypes() {
        Set<String> out = new HashSet<>();
        for (Field f : Messages.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    String v = (String) f.get(null);
                    if (v != null && !v.isEmpty() && Character.isLowerCase(v.charAt(0))) {
                        out.add(v);
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        out.add("invalid"); // what the gateway reports for a frame that is not a request at all
        return Set.copyOf(out);
    }

    @Override
    public void relayed() {
        relayed.increment();
    }
}
