package io.parley.server.sfu;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.protocol.signal.Messages;
import io.parley.server.TestServer;
import io.parley.server.rtmp.ToneDetector;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real third-party WebRTC stack against the SFU: aiortc (python3-aiortc) publishes a 1 kHz tone that the Java
 * client plays and decodes, and plays the Java client's 1 kHz tone. aiortc negotiates {@code sdes:mid} as id 1 and the
 * audio level as id 2, the opposite of Chromium and of the Java client: the header-extension rewrite must hold.
 * Skipped when aiortc is not installed, unless {@value #REQUIRE_ENV}=true (CI), where that fails.
 */
class AiortcInteropTest {
    static final String REQUIRE_ENV = "PARLEY_AIORTC_TESTS_REQUIRED";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String missing;

    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();

    /** The first Python that imports aiortc: Debian's python3-aiortc is for /usr/bin/python3, which pyenv may shadow. */
    private static String python;

    @BeforeAll
    static void probe() throws Exception {
        for (String candidate : new String[] {"/usr/bin/python3", "python3"}) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import aiortc").redirectErrorStream(true).start();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = candidate;
                    return;
                }
                p.destroyForcibly();
            } catch (java.io.IOException e) {
                // not this one
            }
        }
        missing = "no python3 with aiortc (apt-get install python3-aiortc)";
        if ("true".equals(System.getenv(REQUIRE_ENV))) {
            Assertions.fail(missing + " (" + REQUIRE_ENV + "=true, so this is a failure, not a skip)");
        }
    }

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(missing == null, () -> missing + "; aiortc test skipped");
        server = TestServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        engines.forEach(ParleyEngine::close);
        if (server != null) {
            server.close();
        }
    }

    private ParleyEngine login(String userId) throws Exception {
        ParleyEngine e = server.engine();
        engines.add(e);
        assertThat(e.loginRoom("media", token(userId), user(userId), withUserUpdates()).get().code()).isZero();
        return e;
    }

    /** One aiortc process (peer.py): JSON lines in and out. */
    private final class Peer implements AutoCloseable {
        final Process process;
        final BlockingQueue<JsonNode> out = new LinkedBlockingQueue<>();
        final StringBuffer stderr = new StringBuffer();
        final OutputStream in;

        Peer(String mode) throws Exception {
            Path script = Files.createTempFile("parley-aiortc", ".py");
            try (var res = AiortcInteropTest.class.getResourceAsStream("/aiortc/peer.py")) {
                Files.write(script, res.readAllBytes());
            }
            script.toFile().deleteOnExit();
            process = new ProcessBuilder(python, script.toString(), mode, "2").start();
            in = process.getOutputStream();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        out.add(JSON.readTree(line));
                    }
                } catch (Exception e) {
                    // the process ended
                }
            }, "aiortc-out");
            reader.setDaemon(true);
            reader.start();
            Thread err = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        stderr.append(line).append('\n');
                    }
                } catch (Exception e) {
                    // the process ended
                }
            }, "aiortc-err");
            err.setDaemon(true);
            err.start();
            closing.add(this);
        }

        /** The next line that matches, waiting at most {@link #WAIT}. */
        JsonNode await(Predicate<JsonNode> what) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                JsonNode n = out.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (n == null) {
                    throw new AssertionError("aiortc said nothing that matched within " + WAIT + "; stderr:\n" + stderr);
                }
                if (what.test(n)) {
                    return n;
                }
            }
        }

        void send(Map<String, String> message) throws Exception {
            in.write((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        @Override
        public void close() throws Exception {
            try {
                in.close();
            } catch (java.io.IOException e) {
                // already gone
            }
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void anAiortcPublishersToneIsHeardByTheJavaPlayer() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        Peer peer = new Peer("publish");
        String offer = peer.await(n -> n.has("offer")).get("offer").asText();
        Result r = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("py-mic", "", offer)).get();
        assertThat(r.code()).as(r.message()).isZero();
        peer.send(Map.of("answer", r.data().path("sdp").asText()));
        List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
        bob.startPlaying("py-mic", got::add).get(20, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> got.size() >= 150);
        for (ReceivedPacket p : got) {
            // The Java player negotiated the level as id 1, aiortc's mid id: a mid byte there is the old defect.
            assertThat(p.extensions().keySet()).as("only ids the Java player negotiated").isSubsetOf(1);
            if (p.extensions().containsKey(1)) {
                assertThat(p.extensions().get(1)).hasSize(1);
            }
        }
        OpusDecoder dec = new OpusDecoder(48000, 1);
        short[] frame = new short[5760];
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        for (ReceivedPacket p : got) {
            int n = dec.decode(p.payload(), 0, p.payload().length, frame, 0, 5760, false);
            for (int k = 0; k < n; k += 3) { // 48 kHz -> 16 kHz
                pcm.write(frame[k] & 0xFF);
                pcm.write((frame[k] >> 8) & 0xFF);
            }
        }
        double[] decoded = ToneDetector.s16le(pcm.toByteArray());
        assertThat(ToneDetector.toneFraction(decoded, 1000, 16000, 800, 20)).as("1 kHz from aiortc, decoded")
                .isGreaterThan(0.7);
    }

    @Test
    void theJavaPublishersToneIsHeardByAnAiortcPlayer() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        Publisher publisher = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        closing.add(clock::shutdownNow);
        OpusEncoder enc = new OpusEncoder(48000, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
        long[] n = {0};
        clock.scheduleAtFixedRate(() -> {
            short[] pcm = new short[960];
            for (int k = 0; k < 960; k++) {
                pcm[k] = (short) (8000 * Math.sin(2 * Math.PI * 1000 * (n[0] * 960 + k) / 48000.0));
            }
            byte[] out = new byte[1275];
            try {
                int len = enc.encode(pcm, 0, 960, out, 0, out.length);
                publisher.sendAudio(Arrays.copyOf(out, len), n[0] * 960);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            n[0]++;
        }, 0, 20, TimeUnit.MILLISECONDS);
        Peer peer = new Peer("play");
        String offer = peer.await(m -> m.has("offer")).get("offer").asText();
        Result r = bob.request(Messages.START_PLAYING, new Messages.StartPlaying("alice-mic", offer)).get();
        assertThat(r.code()).as(r.message()).isZero();
        peer.send(Map.of("answer", r.data().path("sdp").asText()));
        JsonNode heard = peer.await(m -> m.has("toneFraction"));
        assertThat(heard.get("toneFraction").asDouble()).as("1 kHz in what aiortc decoded: %s", heard).isGreaterThan(0.7);
    }
}
