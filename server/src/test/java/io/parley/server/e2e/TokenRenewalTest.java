package io.parley.server.e2e;

import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tokens over time, end to end: tokenWillExpire {@code auth.tokenWillExpireLead} before expiry, renewToken checked like a
 * login token, and at expiry either the kick (App kickOnTokenExpiry: KICKOUT 1102018) or a session that stays but may
 * not publish (1102018).
 */
class TokenRenewalTest {
    /** An App that kicks sessions whose token expires ({@code apps[].kickOnTokenExpiry}). */
    static final long KICK_APP = 4_440_001;
    static final String KICK_SECRET = "kick0kick0kick0kick0kick0kick0ki";
    private static final Duration LEAD = Duration.ofSeconds(3);
    private static final Duration DEADLINE = Duration.ofSeconds(15);

    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        ParleyConfig base = TestServer.config();
        List<AppConfig> apps = new ArrayList<>(base.apps());
        apps.add(new AppConfig(KICK_APP, KICK_SECRET).withKickOnTokenExpiry(true));
        ParleyConfig.Auth a = base.auth();
        server = TestServer.start(base.withApps(apps).withAuth(new ParleyConfig.Auth(a.clockSkew(), a.failedLoginsPerAddress(),
                a.failedLoginsPerApp(), a.failedLoginWindow(), a.maxTrackedAddresses(), LEAD)));
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private ParleyEngine engine(long app) {
        ParleyEngine e = ParleyEngine.create(app, server.wsUri());
        engines.add(e);
        return e;
    }

    private static String token(long app, String secret, String userId, Instant expires) {
        return JwtTokens.mint(app, userId, secret.getBytes(StandardCharsets.UTF_8), Instant.now().minusSeconds(5), expires,
                null, true, true, null);
    }

    /** A token that expires {@code seconds} from now (whole seconds: exp has no finer grain). */
    private static Instant in(int seconds) {
        return Instant.ofEpochSecond(Instant.now().getEpochSecond() + seconds);
    }

    @Test
    void tokenWillExpireComesBeforeExpiryAndARenewalKeepsPublishingAllowed() throws Exception {
        ParleyEngine a = engine(TestServer.APP);
        Pushes pa = Pushes.on(a);
        Instant exp = in(5);
        Result login = a.loginRoom("tok-room", token(TestServer.APP, TestServer.SECRET, "alice", exp), user("alice"),
                withUserUpdates()).get();
        assertThat(login.code()).isZero();
        assertThat(login.data().path("tokenExpireTime").asLong()).isEqualTo(exp.getEpochSecond());

        Pushes.Push warn = pa.await(Messages.TOKEN_WILL_EXPIRE, p -> true);
        long warnedAt = System.currentTimeMillis();
        assertThat(warn.data().path("roomID").asText()).isEqualTo("tok-room");
        long remain = warn.data().path("remainTimeInSecond").asLong();
        assertThat(remain).isBetween(1L, LEAD.toSeconds());
        // Not earlier than the lead: the token had at most LEAD left when told.
        assertThat(exp.toEpochMilli() - warnedAt).isLessThanOrEqualTo(LEAD.toMillis() + 200);

        // Someone else's token, or another App's, is refused like at login; the old token stays.
        Result foreign = a.renewToken(token(TestServer.APP, TestServer.SECRET, "mallory", in(3600))).get();
        assertThat(foreign.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
        assertThat(foreign.message()).contains("mallory");
        Result otherApp = a.renewToken(token(TestServer.OTHER_APP, TestServer.OTHER_SECRET, "alice", in(3600))).get();
        assertThat(otherApp.code()).isEqualTo(ErrorCode.TOKEN_INVALID);

        Instant fresh = in(3600);
        Result renewed = a.renewToken(token(TestServer.APP, TestServer.SECRET, "alice", fresh)).get();
        assertThat(renewed.code()).as(renewed.message()).isZero();
        assertThat(renewed.data().path("tokenExpireTime").asLong()).isEqualTo(fresh.getEpochSecond());
        assertThat(renewed.data().path("roomID").asText()).isEqualTo("tok-room");

        // Past the first token's expiry, publishing works: the renewed token counts.
        await().atMost(DEADLINE).until(() -> System.currentTimeMillis() > exp.toEpochMilli() + 300);
        assertThat(a.startPublishing("alice-mic", "").get().code()).isZero();
        assertThat(pa.named(Messages.TOKEN_WILL_EXPIRE)).hasSize(1);
        assertThat(a.roomState()).isEqualTo("LOGINED");
    }

    @Test
    void withoutRenewalTheSessionStaysButMayNotPublish() throws Exception {
        ParleyEngine a = engine(TestServer.APP);
        ParleyEngine b = engine(TestServer.APP);
        Pushes pb = Pushes.on(b);
        Instant exp = in(2);
        assertThat(a.loginRoom("tok-stay", token(TestServer.APP, TestServer.SECRET, "alice", exp), user("alice"),
                withUserUpdates()).get().code()).isZero();
        assertThat(b.loginRoom("tok-stay", TestServer.token("bob"), user("bob"), withUserUpdates()).get().code()).isZero();
        await().atMost(DEADLINE).until(() -> System.currentTimeMillis() > exp.toEpochMilli() + 300);

        Result refused = a.startPublishing("alice-mic", "").get();
        assertThat(refused.code()).isEqualTo(ErrorCode.TOKEN_EXPIRED);
        assertThat(refused.message()).contains("renewToken");
        // Still a member: heartbeats answer, bob saw no DELETE, the room still lists alice.
        assertThat(a.heartbeat().get().code()).isZero();
        assertThat(server.server().rooms().snapshot(TestServer.APP, "tok-stay").join().userIds()).contains("alice");
        assertThat(pb.count(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE"))).isZero();
        // A renewal afterwards lets it publish again.
        assertThat(a.renewToken(token(TestServer.APP, TestServer.SECRET, "alice", in(3600))).get().code()).isZero();
        assertThat(a.startPublishing("alice-mic", "").get().code()).isZero();
    }

    @Test
    void anAppWithKickOnTokenExpiryKicksTheSessionAtExpiry() throws Exception {
        ParleyEngine a = engine(KICK_APP);
        ParleyEngine b = engine(KICK_APP);
        Pushes pa = Pushes.on(a);
        Pushes pb = Pushes.on(b);
        Instant exp = in(2);
        assertThat(a.loginRoom("kick-room", token(KICK_APP, KICK_SECRET, "alice", exp), user("alice"), withUserUpdates())
                .get().code()).isZero();
        assertThat(a.startPublishing("alice-mic", "").get().code()).isZero();
        assertThat(b.loginRoom("kick-room", token(KICK_APP, KICK_SECRET, "bob", in(3600)), user("bob"), withUserUpdates())
                .get().code()).isZero();

        Pushes.Push kick = pa.await(Messages.ROOM_STATE_CHANGED, p -> p.data().path("reason").asText().equals("KICKOUT"));
        assertThat(kick.data().path("errorCode").asInt()).isEqualTo(ErrorCode.TOKEN_EXPIRED);
        assertThat(kick.data().path("extendedData").asText()).contains("token_expired");
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(exp.toEpochMilli() - 50);
        assertThat(pa.count(Messages.TOKEN_WILL_EXPIRE, p -> true)).isEqualTo(1);
        pb.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().equals(List.of("alice")));
        Pushes.Push gone = pb.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE"));
        assertThat(gone.data().path("extendedData").asText()).contains("\"code\":4");
        await().atMost(DEADLINE).until(() -> a.closed().isDone());
        // Bob's token is long-lived: he stays.
        assertThat(server.server().rooms().snapshot(KICK_APP, "kick-room").join().userIds()).containsExactly("bob");
    }

    @Test
    void renewTokenNeedsALoginAndItsRoom() throws Exception {
        ParleyEngine a = engine(TestServer.APP);
        Result before = a.renewToken(TestServer.token("alice")).get();
        assertThat(before.code()).isEqualTo(ErrorCode.NOT_LOGGED_IN);
        assertThat(a.loginRoom("tok-r", TestServer.token("alice"), user("alice"), withUserUpdates()).get().code()).isZero();
        Result wrongRoom = a.request(Messages.RENEW_TOKEN, new Messages.RenewToken("elsewhere", TestServer.token("alice"))).get();
        assertThat(wrongRoom.code()).isEqualTo(ErrorCode.NOT_IN_THIS_ROOM);
        Result roomBound = a.renewToken(TestServer.token("alice", "another-room", true)).get();
        assertThat(roomBound.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
        Result empty = a.renewToken("").get();
        assertThat(empty.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
    }
}
