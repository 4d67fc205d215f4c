package io.parley.server.rtmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile peers over real sockets: each is closed within a bound while a well-behaved ffmpeg publisher and an
 * HTTP-FLV player on the same server carry on. Leaks are checked by the NettyLeakExtension after the class.
 */
class BadInputTest {
    /** Handshake timeout is 2 s in the rig; everything else closes at once. */
    private static final long CLOSE_BOUND_MS = 6_000;
    private static RtmpRig rig;
    private static Ffmpeg publisher;
    private static final AtomicInteger flvTags = new AtomicInteger();
    private static Thread flvThread;

    @BeforeAll
    static void start() throws Exception {
        Ffmpeg.assumeAvailable();
        rig = new RtmpRig();
        publisher = Ffmpeg.pushTone(rig.rtmpUrl("steady", "good"), 40);
        StreamKey key = new StreamKey(TestGate.APP, "steady");
        await().atMost(Duration.ofSeconds(30)).until(() -> rig.hub.isLive(key));
        HttpResponse<InputStream> res = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(rig.flvUrl("steady", "good"))).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValue("video/x-flv");
        flvThread = new Thread(() -> {
            FlvReader reader = new FlvReader(1 << 20);
            byte[] buf = new byte[8192];
            var acc = Unpooled.buffer();
            try (InputStream in = res.body()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    acc.writeBytes(buf, 0, n);
                    flvTags.addAndGet(reader.read(acc).size());
                    acc.discardReadBytes();
                }
            } catch (IOException ignored) {
                // the test ended
            } finally {
                acc.release();
            }
        }, "flv-reader");
        flvThread.setDaemon(true);
        flvThread.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> flvTags.get() > 10);
    }

    @AfterAll
    static void stop() throws Exception {
        if (publisher != null) {
            publisher.close();
        }
        if (rig != null) {
            rig.close();
        }
    }

    /** Sends {@code bytes} after an optional client handshake and asserts that the server closes within the bound. */
    private static void assertClosed(boolean handshake, byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", rig.rtmpPort())) {
            s.setSoTimeout((int) CLOSE_BOUND_MS);
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (handshake) {
                byte[] c0c1 = new byte[1 + 1536];
                c0c1[0] = 3;
                out.write(c0c1);
                byte[] s0s1s2 = in.readNBytes(1 + 2 * 1536);
                assertThat(s0s1s2).hasSize(1 + 2 * 1536);
                out.write(s0s1s2, 1, 1536); // C2 = S1
            }
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException closedAlready) {
                // the server may close before all was written
            }
            try {
                while (in.read() >= 0) {
                    // drain replies until the close
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("not closed within " + CLOSE_BOUND_MS + " ms", e);
            } catch (IOException reset) {
                // reset by the server: closed as well
            }
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(CLOSE_BOUND_MS);
        }
    }

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replaceAll("[^0-9a-fA-F]", ""));
    }

    @Test
    void hostilePeersAreClosedAndTheWellBehavedOnesCarryOn() throws Exception {
        Random rnd = new Random(7);
        for (int i = 0; i < 5; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(4000)];
            rnd.nextBytes(junk);
            junk[0] = (byte) (4 + rnd.nextInt(200)); // not version 3
            assertClosed(false, junk);
        }
        assertClosed(false, new byte[0]);                        // stalled: nothing after connecting
        assertClosed(false, new byte[] {3, 1, 2, 3});            // truncated handshake
        assertClosed(true, hex("02 000000 000004 01 00000000 80000000")); // Set Chunk Size 2^31
        assertClosed(true, hex("03 000000 000008 14 00000000"     // command message of 8 bytes
                + "02 ffff 616263 0000"));                        // AMF string of 65535 bytes in it
        assertClosed(true, hex("04 000000 ffffff 08 01000000 00")); // 16 MiB audio message header (the 24-bit maximum)
        assertClosed(true, hex("44 000000 000001 08 00"));         // fmt 1 without a previous header

        int before = flvTags.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> flvTags.get() > before + 20);
        assertThat(publisher.isAlive()).as("the publisher was not disturbed").isTrue();
        assertThat(rig.counter("parley.rtmp.protocol.errors", "reason", "handshake")).isEqualTo(5);
        assertThat(rig.counter("parley.rtmp.protocol.errors", "reason", "handshake_timeout")).isEqualTo(2);
        assertThat(rig.counter("parley.rtmp.protocol.errors", "reason", "chunk_size")).isEqualTo(1);
        assertThat(rig.counter("parley.rtmp.protocol.errors", "reason", "amf")).isEqualTo(1);
        assertThat(rig.counter("parley.rtmp.protocol.errors", "reason", "message_too_large")).isEqualTo(1);
        assertThat(rig.counter("parley.rtmp.protocol.errors", "reason", "chunk_header")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> rig.gauge("parley.rtmp.connections") == 1);
    }
}
