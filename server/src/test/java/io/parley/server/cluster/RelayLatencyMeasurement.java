package io.parley.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.WsClient;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Not part of the suite (its name matches none of surefire's patterns): measures what the relay adds to a login.
 * Two nodes; the room lives on node-0. Each round opens a WebSocket (not timed) to node-0 (direct) or node-1
 * (relayed), then times loginRoom from the request to its response, and closes. Run with
 * {@code mvn -B -o -pl server -am verify -Dtest=RelayLatencyMeasurement -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}.
 */
class RelayLatencyMeasurement {
    private static final int ROUNDS = Integer.getInteger("parley.rounds", 300);
    private static final int WARMUP = 30;

    @Test
    void loginLatencyDirectAndRelayed() throws Exception {
        try (ClusterRig rig = ClusterRig.start(2, Duration.ofSeconds(10))) {
            URI direct = URI.create("ws://127.0.0.1:" + rig.node(0).server().port() + "/ws");
            URI relayed = URI.create("ws://127.0.0.1:" + rig.node(1).server().port() + "/ws");
            login(direct, "anchor", true); // places the room on node-0 and keeps it open
            long[] d = new long[ROUNDS];
            long[] r = new long[ROUNDS];
            for (int i = -WARMUP; i < ROUNDS; i++) {
                long a = login(direct, "d" + i, false);
                long b = login(relayed, "r" + i, false);
                if (i >= 0) {
                    d[i] = a;
                    r[i] = b;
                }
            }
            Arrays.sort(d);
            Arrays.sort(r);
            System.out.printf("MEASURE login (request to response), %d each, loopback, 2 nodes%n", ROUNDS);
            System.out.printf("MEASURE direct : p50 %.2f ms  p99 %.2f ms%n", ms(d, 0.50), ms(d, 0.99));
            System.out.printf("MEASURE relayed: p50 %.2f ms  p99 %.2f ms%n", ms(r, 0.50), ms(r, 0.99));
            System.out.printf("MEASURE added  : p50 %.2f ms  p99 %.2f ms%n", ms(r, 0.50) - ms(d, 0.50), ms(r, 0.99) - ms(d, 0.99));
        }
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    private static long login(URI uri, String user, boolean keep) throws Exception {
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        WsClient ws = WsClient.connect(uri, inbox::add).get(10, TimeUnit.SECONDS);
        long start = System.nanoTime();
        ws.sendText("{\"id\":\"1\",\"type\":\"loginRoom\",\"data\":{\"appID\":" + TestServer.APP + ",\"roomID\":\"lat\","
                + "\"token\":\"" + TestServer.token(user) + "\",\"user\":{\"userID\":\"" + user + "\",\"userName\":\"" + user + "\"}}}");
        while (true) {
            String text = inbox.poll(10, TimeUnit.SECONDS);
            assertThat(text).as("loginRoom answered").isNotNull();
            JsonNode n = SignalCodec.MAPPER.readTree(text);
            if ("1".equals(n.path("id").asText(null))) {
                long took = System.nanoTime() - start;
                assertThat(n.path("code").asInt()).as("login %s: %s", user, n).isZero();
                if (!keep) {
                    ws.close(); // a close frame: the session ends at once on the room's node
                    ws.closed().get(10, TimeUnit.SECONDS);
                }
                return took;
            }
        }
    }
}
