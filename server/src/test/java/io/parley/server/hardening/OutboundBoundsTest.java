package io.parley.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.RawClient;
import io.parley.server.RawSocket;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import io.parley.server.metrics.Scrape;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The outbound side of a connection is bounded (issue #8): the OOM probe scaled down (a room of 300 streams with 1 KB
 * extraInfo, a raw client that never reads and loops login/logout) leaves the server's direct memory bounded and the
 * attacker disconnected; a kicked client that does not read is closed within gateway.closeTimeout.
 */
class OutboundBoundsTest {
    static final int STREAMS = 300;
    static final String EXTRA = "x".repeat(1000);

    static void seed(RawClient pub, String room) {
        seed(pub, room, true);
    }

    static void seed(RawClient pub, String room, boolean login) {
        if (login) {
            assertThat(pub.call("l", "loginRoom", Probes.login("pub", room)).path("code").asInt()).isZero();
        }
        for (int i = 0; i < STREAMS; i++) {
            pub.send(Probes.request("p" + i, "startPublishing", "{\"streamID\":\"s" + i + "\",\"extraInfo\":\"" + EXTRA + "\"}"));
        }
        for (int i = 0; i < STREAMS; i++) {
            assertThat(pub.response("p" + i).path("code").asInt()).as("stream %d", i).isZero();
        }
    }

    /** Runs the probe until the server closes the attacker; returns the peak growth of Netty's direct memory. */
    static long attack(TestServer server, int pairs, Duration deadline) throws Exception {
        return attack(server, pairs, deadline, true);
    }

    static long attack(TestServer server, int pairs, Duration deadline, boolean untilClosed) throws Exception {
        long base = Probes.directUsed();
        AtomicLong peak = new AtomicLong();
        AtomicInteger sent = new AtomicInteger();
        AtomicLong finished = new AtomicLong();
        RawSocket a = RawSocket.connect(server.server().port(), 4096).upgrade();
        byte[] login = RawSocket.text(Probes.request("l", "loginRoom", Probes.login("attacker", "big")));
        byte[] logout = RawSocket.text(Probes.request("o", "logoutRoom", "{}"));
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < pairs; i++) {
                    a.write(login);
                    a.write(logout);
                    sent.addAndGet(login.length + logout.length);
                }
            } catch (IOException e) {
                // the server closed us: the point
            }
        }, "attacker");
        t.setDaemon(true);
        t.start();
        try {
            await().atMost(deadline).pollInterval(Duration.ofMillis(5)).until(() -> {
                peak.accumulateAndGet(Probes.directUsed() - base, Math::max);
                return untilClosed ? Probes.closed(server, "outbound_overflow") + Probes.closed(server, "slow_client") >= 1
                        : !t.isAlive() && System.nanoTime() - finished.updateAndGet(f -> f == 0 ? System.nanoTime() : f) > 3e9;
            });
        } finally {
            System.out.printf("outbound probe: %d streams, attacker sent %d bytes, peak direct memory growth %d bytes%n",
                    STREAMS, sent.get(), peak.get());
            a.close();
        }
        return peak.get();
    }

    @Test
    void aClientThatNeverReadsCannotMakeTheServerHoldItsSnapshots() throws Exception {
        ParleyConfig.Limits limits = new ParleyConfig.Limits(STREAMS, 500, 100);
        try (TestServer server = TestServer.start(Probes.config(Probes.gateway(), limits)); RawClient pub = server.raw()) {
            seed(pub, "big");
            long peak = attack(server, 2_000, Duration.ofSeconds(20));
            Scrape s = Scrape.of(server.server().port());
            assertThat(s.value("parley_gateway_closed_total{reason=\"outbound_overflow\"}")
                    + s.value("parley_gateway_closed_total{reason=\"slow_client\"}")).as("attacker closed").isGreaterThanOrEqualTo(1);
            // maxOutboundBytes (1 MiB) plus one snapshot being encoded, plus the socket buffers' copies: far below
            // what 2,000 queued snapshots of ~330 KB would hold.
            assertThat(peak).as("peak direct memory growth").isLessThan(24L * 1024 * 1024);
            // A well-behaved member still gets the whole stream list, in pages of at most 100.
            try (RawClient c = server.raw()) {
                assertThat(c.call("1", "loginRoom", Probes.login("reader", "big")).path("code").asInt()).isZero();
                int seen = 0;
                while (seen < STREAMS) {
                    JsonNode page = c.next(n -> "roomStreamUpdate".equals(n.path("push").asText()));
                    assertThat(page.path("data").path("streamList").size()).isBetween(1, 100);
                    seen += page.path("data").path("streamList").size();
                }
                assertThat(seen).isEqualTo(STREAMS);
            }
        }
    }

    /**
     * The same probe with the bounds out of the way (water marks and cap at 1 GiB, slow-client timeout 5 min): what the
     * server held before the fix. Run by hand: {@code -Dtest=OutboundBoundsTest -Dparley.probe.before=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "parley.probe.before", matches = "true")
    void beforeTheFix() throws Exception {
        ParleyConfig.Gateway g = Probes.gateway();
        g = new ParleyConfig.Gateway(512 * 1024 * 1024, 1024 * 1024 * 1024, 1024 * 1024 * 1024, Duration.ofMinutes(5),
                g.closeTimeout(), g.requestTimeout(), g.loginTimeout(), g.maxInitialLineBytes(), g.maxHeaderBytes(),
                g.requestsPerSecond(), g.requestBurst(), 16, g.maxConnections(), g.maxConnectionsPerAddress());
        try (TestServer server = TestServer.start(Probes.config(g, new ParleyConfig.Limits(STREAMS, 500, 100)));
             RawClient pub = server.raw()) {
            seed(pub, "big");
            attack(server, 2_000, Duration.ofSeconds(60), false);
        }
    }

    @Test
    void aKickedClientThatDoesNotReadIsClosedWithinTheCloseTimeout() throws Exception {
        // Slow-client close and the overflow cap out of the way: only the kick may close the socket.
        ParleyConfig.Gateway g = Probes.gateway();
        g = new ParleyConfig.Gateway(g.writeBufferLowBytes(), g.writeBufferHighBytes(), 256 * 1024 * 1024,
                Duration.ofMinutes(5), Duration.ofMillis(500), g.requestTimeout(), g.loginTimeout(), g.maxInitialLineBytes(),
                g.maxHeaderBytes(), g.requestsPerSecond(), g.requestBurst(), g.maxMessagesPerRead(), g.maxConnections(),
                g.maxConnectionsPerAddress());
        try (TestServer server = TestServer.start(Probes.config(g, new ParleyConfig.Limits(STREAMS, 500, 100)));
             RawClient pub = server.raw();
             RawSocket victim = RawSocket.connect(server.server().port(), 4096).upgrade()) {
            victim.sendText(Probes.request("l", "loginRoom", Probes.login("victim", "big")));
            assertThat(victim.readFrame().text()).contains("\"code\":0");
            // The victim stops reading: a few megabytes of stream updates fill both socket buffers and queue up
            // behind them, so the close frame of its kick cannot be flushed.
            for (int round = 0; round < 4; round++) {
                seed(pub, "big", round == 0);
                for (int i = 0; i < STREAMS; i++) {
                    pub.send(Probes.request("q" + i, "stopPublishing", "{\"streamID\":\"s" + i + "\"}"));
                }
                for (int i = 0; i < STREAMS; i++) {
                    assertThat(pub.response("q" + i).path("code").asInt()).isZero();
                }
            }
            try (RawClient winner = server.raw()) {
                long t0 = System.nanoTime();
                assertThat(winner.call("w", "loginRoom", Probes.login("victim", "big")).path("code").asInt()).isZero();
                await().atMost(Duration.ofSeconds(5)).until(() -> Scrape.of(server.server().port()).value("parley_sessions") == 2);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("kicked non-reader closed after %d ms (closeTimeout 500 ms)%n", ms);
                assertThat(ms).isLessThan(3_000);
            }
        }
    }

}
