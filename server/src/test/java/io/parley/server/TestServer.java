package io.parley.server;

import io.parley.client.ParleyEngine;
import io.parley.client.WsClient;
import io.parley.protocol.signal.Messages;
import io.parley.server.auth.JwtTokens;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.rtmp.RtmpConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** A real server on 127.0.0.1, port 0, with two Apps, for end-to-end tests. */
public final class TestServer implements AutoCloseable {
    public static final long APP = 1_234_567;
    public static final String SECRET = "7d1e0c5b9a8f4e3d2c1b0a9f8e7d6c5b";
    public static final long OTHER_APP = 7_654_321;
    public static final String OTHER_SECRET = "fedcba9876543210fedcba9876543210";
    /** An App that opts in to legacy AES-CBC token04 ({@code apps[].legacyCbcTokens}). */
    public static final long CBC_APP = 5_550_001;
    public static final String CBC_SECRET = "cbc0cbc0cbc0cbc0cbc0cbc0cbc0cbc0";

    private final ParleyServer server;

    private TestServer(ParleyConfig config) throws InterruptedException {
        this.server = ParleyServer.start(config);
    }

    public static ParleyConfig config() {
        return ParleyConfig.DEFAULTS
                .withServer(new ParleyConfig.Server("127.0.0.1", 0, ParleyConfig.Server.MAX_FRAME_BYTES, 2))
                // Two media loops whatever the machine has: hand-offs between loops are exercised everywhere.
                .withMedia(new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", java.time.Duration.ofSeconds(10)).withLoops(2))
                .withRtmp(RtmpConfig.DEFAULTS.withListen("127.0.0.1", 0))
                .withApi(new ParleyConfig.Api(true, "127.0.0.1", 0, true, 500, 10_000))
                .withApps(List.of(new AppConfig(APP, SECRET), new AppConfig(OTHER_APP, OTHER_SECRET),
                        new AppConfig(CBC_APP, CBC_SECRET, true)));
    }

    public static TestServer start() throws InterruptedException {
        return new TestServer(config());
    }

    public static TestServer start(ParleyConfig config) throws InterruptedException {
        return new TestServer(config);
    }

    public ParleyServer server() {
        return server;
    }

    public URI wsUri() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
    }

    public ParleyEngine engine() {
        return ParleyEngine.create(APP, wsUri());
    }

    /** A raw connection whose text messages queue up for the test. */
    public RawClient raw() {
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        WsClient ws = WsClient.connect(wsUri(), inbox::add).join();
        return new RawClient(ws, inbox);
    }

    public static String token(String user) {
        return token(user, null, true);
    }

    public static String token(String user, String room, boolean publish) {
        Instant now = Instant.now();
        return JwtTokens.mint(APP, user, SECRET.getBytes(StandardCharsets.UTF_8), now.minusSeconds(5),
                now.plus(Duration.ofHours(1)), room, true, publish, null);
    }

    public static Messages.User user(String id) {
        return new Messages.User(id, "name-" + id);
    }

    public static Messages.RoomConfig withUserUpdates() {
        return new Messages.RoomConfig(true, 0);
    }

    @Override
    public void close() {
        server.close();
    }
}
