package io.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.client.ParleyEngine;
import io.parley.protocol.signal.Messages;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** coturn's use-auth-secret REST credentials, and their hand-out in the login response. */
class TurnCredentialsTest {
    private static final ParleyConfig.Turn TURN = new ParleyConfig.Turn(
            "turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349", "north-wind-turn-secret",
            Duration.ofHours(1));

    @Test
    void usernameIsExpiryColonUserAndCredentialIsBase64HmacSha1OfIt() {
        List<Messages.IceServer> servers = new TurnCredentials(TURN).iceServers("alice", Instant.ofEpochSecond(1_700_000_000L));
        assertThat(servers).hasSize(1);
        Messages.IceServer s = servers.get(0);
        assertThat(s.urls()).containsExactly("turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349");
        assertThat(s.username()).isEqualTo("1700003600:alice");
        // python3: base64.b64encode(hmac.new(b'north-wind-turn-secret', b'1700003600:alice', hashlib.sha1).digest())
        assertThat(s.credential()).isEqualTo("3TutR4J7lasX2Lh//gsncvDQ3RM=");
    }

    @Test
    void noTurnServersNoIceServers() {
        assertThat(TurnCredentials.OFF.iceServers("alice", Instant.now())).isEmpty();
    }

    @Test
    void theLoginResponseHandsThemToTheJavaClient() throws Exception {
        try (TestServer server = TestServer.start(TestServer.config().withTurn(TURN));
             ParleyEngine engine = server.engine()) {
            long before = Instant.now().getEpochSecond();
            var r = engine.loginRoom("turn-room", TestServer.token("alice"), new Messages.User("alice", "Alice"), null)
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.code()).as(r.message()).isZero();
            assertThat(r.data().path("iceServers").get(0).path("urls").get(0).asText())
                    .isEqualTo("turn:turn.example.com:3478?transport=udp");
            List<Messages.IceServer> servers = engine.iceServers();
            assertThat(servers).hasSize(1);
            String username = servers.get(0).username();
            long expiry = Long.parseLong(username.substring(0, username.indexOf(':')));
            assertThat(username).endsWith(":alice");
            assertThat(expiry).isBetween(before + 3600, Instant.now().getEpochSecond() + 3600);
            assertThat(servers.get(0).credential()).isEqualTo(new TurnCredentials(TURN).credential(username));
        }
        try (TestServer server = TestServer.start(); ParleyEngine engine = server.engine()) {
            var r = engine.loginRoom("turn-room", TestServer.token("bob"), new Messages.User("bob", "Bob"), null)
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.code()).isZero();
            assertThat(r.data().has("iceServers")).as("no TURN configured: no field").isFalse();
            assertThat(engine.iceServers()).isEmpty();
        }
    }
}
