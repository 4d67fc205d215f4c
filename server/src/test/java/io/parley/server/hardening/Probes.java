package io.parley.server.hardening;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;

/** Shared pieces of the hardening tests: configs with small, fast limits, and what the attacks send. */
final class Probes {
    private Probes() {}

    /** Gateway limits small and quick enough for a test; the rate limit off unless a test sets it. */
    static ParleyConfig.Gateway gateway() {
        return new ParleyConfig.Gateway(16 * 1024, 64 * 1024, 1024 * 1024, Duration.ofSeconds(1), Duration.ofMillis(500),
                Duration.ofSeconds(10), Duration.ofSeconds(10), 4096, 8192, 1_000_000, 1_000_000, 4, 10_000, 10_000);
    }

    static ParleyConfig config(ParleyConfig.Gateway g, ParleyConfig.Limits l) {
        return TestServer.config().withGateway(g).withLimits(l);
    }

    static String login(String user, String room) {
        return "{\"appID\":" + TestServer.APP + ",\"roomID\":\"" + room + "\",\"token\":\"" + TestServer.token(user)
                + "\",\"user\":{\"userID\":\"" + user + "\"},\"config\":{\"userUpdate\":true}}";
    }

    static String request(String id, String type, String data) {
        return "{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"data\":" + data + "}";
    }

    /** parley_gateway_closed_total for one reason, read from the server's registry. */
    static double closed(TestServer server, String reason) {
        var c = server.server().metrics().registry().find("parley.gateway.closed").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** Direct memory held by Netty's default allocator (every server channel allocates from it). */
    static long directUsed() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }
}
