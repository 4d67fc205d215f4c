package io.parley.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.parley.protocol.ErrorCode;
import io.parley.server.room.RoomEvent;
import io.parley.server.room.RoomEvents;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The registry's events as meters. Runs on room loops: a map lookup and an add at most. */
final class RoomMetrics implements RoomEvents, RoomEvent.Listener {
    private final MeterRegistry registry;
    private final Map<Integer, Counter> logins = new ConcurrentHashMap<>();
    private final Map<String, Counter> messages = new ConcurrentHashMap<>();
    private final Counter kickouts;
    private final Counter notifications;
    private final Timer loginLatency;

    RoomMetrics(MeterRegistry registry) {
        this.registry = registry;
        login(ErrorCode.OK);
        this.kickouts = Counter.builder("parley.kickouts")
                .description("Sessions told KICKOUT: same userID logged in elsewhere, kicked by the server, drain deadline")
                .register(registry);
        this.notifications = Counter.builder("parley.notifications")
                .description("Room notifications (user, stream, extra info, message and count pushes) written to members")
                .register(registry);
        this.loginLatency = Timer.builder("parley.login.latency")
                .description("Successful logins: from the request's arrival to its response")
                .serviceLevelObjectives(Buckets.REQUEST)
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
    }

    private Counter login(int code) {
        // Codes come from ErrorCode, a closed set: a bounded label.
        return logins.computeIfAbsent(code, c -> Counter.builder("parley.logins")
                .description("Login results by error code (0 = success)")
                .tag("code", Integer.toString(c)).register(registry));
    }

    @Override
    public void onEvent(RoomEvent event) {
        if (event instanceof RoomEvent.UserJoined) {
            login(ErrorCode.OK).increment();
        }
    }

    @Override
    public void loginFailed(int code) {
        login(code).increment();
    }

    @Override
    public void loginLatency(long nanos) {
        loginLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void kicked() {
        kickouts.increment();
    }

    @Override
    public void message(String kind, int code) {
        // kind is one of four names and code one of a few ErrorCodes: bounded labels.
        messages.computeIfAbsent(kind + '\0' + code, k -> Counter.builder("parley.room.messages")
                .description("Members' messages and room extra info sets decided by their room, by kind and code (0 = sent)")
                .tag("kind", kind).tag("code", Integer.toString(code)).register(registry)).increment();
    }

    @Override
    public void notificationSent() {
        notifications.increment();
    }
}
