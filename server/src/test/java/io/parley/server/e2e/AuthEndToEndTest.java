package io.parley.server.e2e;

import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Main;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import io.parley.server.auth.Token04;
import io.parley.server.config.ParleyConfig;
import io.parley.server.metrics.Scrape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Tokens as a client presents them: over the WebSocket, at login and at publish. */
class AuthEndToEndTest {
    private static final byte[] KEY = TestServer.SECRET.getBytes(StandardCharsets.UTF_8);
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void token04InBothEnvelopesLogsIn() throws Exception {
        long now = Instant.now().getEpochSecond();
        for (Token04.Envelope env : Token04.Envelope.values()) {
            String user = "z-" + env;
            long app = env == Token04.Envelope.CBC ? TestServer.CBC_APP : TestServer.APP;
            byte[] key = (env == Token04.Envelope.CBC ? TestServer.CBC_SECRET : TestServer.SECRET).getBytes(StandardCharsets.UTF_8);
            String t = Token04.mint(env, app, user, key, now, now + 600, "");
            try (ParleyEngine e = ParleyEngine.create(app, server.wsUri())) {
                Result r = e.loginRoom("zego", t, user(user), withUserUpdates()).get();
                assertThat(r.code()).as(env.name()).isZero();
                assertThat(r.data().path("tokenExpireTime").asLong()).isEqualTo(now + 600);
                assertThat(e.startPublishing(user + "-mic", "").get().code()).isZero();
            }
        }
    }

    @Test
    void cbcToken04IsRefusedByAnAppThatDidNotOptIn() throws Exception {
        long now = Instant.now().getEpochSecond();
        String t = Token04.mint(Token04.Envelope.CBC, TestServer.APP, "legacy", KEY, now, now + 600, "");
        try (ParleyEngine e = server.engine()) {
            Result r = e.loginRoom("r", t, user("legacy"), withUserUpdates()).get();
            assertThat(r.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
            assertThat(r.message()).contains("legacy AES-CBC envelope");
        }
    }

    /**
     * The attack that forged a token: tampered CBC tokens, some with good padding, sent as logins. Every answer
     * is the same, and after the address's failed-login budget (20 per minute) even a valid token is refused
     * with 1002071 without being looked at.
     */
    @Test
    void cbcPaddingOracleGetsOneAnswerAndIsRateLimited() throws Exception {
        long now = Instant.now().getEpochSecond();
        byte[] cbcKey = TestServer.CBC_SECRET.getBytes(StandardCharsets.UTF_8);
        String good = Token04.mint(Token04.Envelope.CBC, TestServer.CBC_APP, "victim", cbcKey, now, now + 600, "");
        byte[] bin = Base64.getDecoder().decode(good.substring(2));
        Set<String> answers = new HashSet<>();
        int budget = ParleyConfig.Auth.DEFAULTS.failedLoginsPerAddress();
        try (ParleyEngine e = ParleyEngine.create(TestServer.CBC_APP, server.wsUri())) {
            for (int i = 0; i < budget; i++) {
                byte[] t = bin.clone();
                t[bin.length - 17] ^= (byte) (i + 1); // the block before the last drives the padding
                Result r = e.loginRoom("r", "04" + Base64.getEncoder().encodeToString(t), user("victim"),
                        withUserUpdates()).get();
                answers.add(r.code() + " " + r.message());
            }
            assertThat(answers).hasSize(1);
            assertThat(answers.iterator().next()).startsWith(ErrorCode.TOKEN_INVALID + " ").endsWith(Token04.CBC_REFUSAL);
            Result limited = e.loginRoom("r", good, user("victim"), withUserUpdates()).get();
            assertThat(limited.code()).isEqualTo(ErrorCode.LOGIN_RATE_LIMITED);
            assertThat(limited.message()).contains("too many failed logins").contains("retry in");
        }
        assertThat(Scrape.of(server.server().port())
                .value("parley_login_rate_limited_total{scope=\"address\"}")).isEqualTo(1.0);
        try (ParleyEngine other = server.engine()) { // another App from the same address: its own App budget is intact, the address's is not
            Result r = other.loginRoom("r", TestServer.token("bystander"), user("bystander"), withUserUpdates()).get();
            assertThat(r.code()).isEqualTo(ErrorCode.LOGIN_RATE_LIMITED);
        }
    }

    @Test
    void expiredTokenGetsLoginFailedWithItsCode() throws Exception {
        Instant now = Instant.now();
        String expired = JwtTokens.mint(TestServer.APP, "late", KEY, now.minusSeconds(600), now.minusSeconds(1), null, true, true, null);
        try (ParleyEngine e = server.engine()) {
            Pushes p = Pushes.on(e);
            Result r = e.loginRoom("r", expired, user("late"), withUserUpdates()).get();
            assertThat(r.code()).isEqualTo(ErrorCode.TOKEN_EXPIRED);
            assertThat(r.message()).contains("expired");
            p.await(Messages.ROOM_STATE_CHANGED, x -> x.data().path("reason").asText().equals("LOGIN_FAILED")
                    && x.data().path("errorCode").asInt() == ErrorCode.TOKEN_EXPIRED);
        }
    }

    @Test
    void tokenOfAnotherAppIsRefused() throws Exception {
        Instant now = Instant.now();
        String foreign = JwtTokens.mint(TestServer.OTHER_APP, "a", TestServer.OTHER_SECRET.getBytes(StandardCharsets.UTF_8),
                now, now.plusSeconds(60), null, true, true, null);
        try (ParleyEngine e = server.engine()) {
            Result r = e.loginRoom("r", foreign, user("a"), withUserUpdates()).get();
            assertThat(r.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
            assertThat(r.message()).contains("signature");
        }
    }

    @Test
    void publishNeedsThePrivilegeAndAListedStreamId() throws Exception {
        Instant now = Instant.now();
        String listener = JwtTokens.mint(TestServer.APP, "l", KEY, now, now.plusSeconds(60), null, true, false, null);
        String limited = JwtTokens.mint(TestServer.APP, "m", KEY, now, now.plusSeconds(60), null, true, true, List.of("m-ok"));
        try (ParleyEngine l = server.engine(); ParleyEngine m = server.engine()) {
            assertThat(l.loginRoom("r", listener, user("l"), withUserUpdates()).get().code()).isZero();
            Result noPriv = l.startPublishing("l-mic", "").get();
            assertThat(noPriv.code()).isEqualTo(ErrorCode.PUBLISH_FORBIDDEN);
            assertThat(noPriv.message()).contains("privilege 2");
            assertThat(m.loginRoom("r", limited, user("m"), withUserUpdates()).get().code()).isZero();
            Result notListed = m.startPublishing("m-other", "").get();
            assertThat(notListed.code()).isEqualTo(ErrorCode.PUBLISH_FORBIDDEN);
            assertThat(notListed.message()).contains("stream_id_list");
            assertThat(m.startPublishing("m-ok", "").get().code()).isZero();
            assertThat(server.server().rooms().snapshot(TestServer.APP, "r").join().streamIds()).containsExactly("m-ok");
        }
    }

    @Test
    void tokenCommandMintsTokensTheServerAccepts() throws Exception {
        for (String format : new String[] {"jwt", "token04", "token04_cbc"}) {
            boolean cbc = format.equals("token04_cbc");
            long app = cbc ? TestServer.CBC_APP : TestServer.APP;
            String token = runTokenCommand("--app", Long.toString(app), "--secret", cbc ? TestServer.CBC_SECRET : TestServer.SECRET,
                    "--user", "cli", "--room", "cli-room", "--publish", "--ttl", "10m", "--format", format);
            try (ParleyEngine e = ParleyEngine.create(app, server.wsUri())) {
                assertThat(e.loginRoom("cli-room", token, user("cli"), withUserUpdates()).get().code()).as(format).isZero();
                assertThat(e.startPublishing("cli-" + format.replace('_', '-'), "").get().code()).as(format).isZero();
            }
            try (ParleyEngine e = ParleyEngine.create(app, server.wsUri())) {
                assertThat(e.loginRoom("other-room", token, user("cli"), withUserUpdates()).get().code()).as(format)
                        .isEqualTo(ErrorCode.TOKEN_INVALID);
            }
        }
    }

    @Test
    void tokenCommandRefusesABadSecretWithAMessage() {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new Main()).execute("token", "--app", "1", "--secret", "short", "--user", "u");
        } finally {
            System.setErr(err);
        }
        assertThat(code).isEqualTo(2);
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("expected: exactly 32");
    }

    private static String runTokenCommand(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        String[] full = new String[args.length + 1];
        full[0] = "token";
        System.arraycopy(args, 0, full, 1, args.length);
        try {
            code = new CommandLine(new Main()).execute(full);
        } finally {
            System.setOut(out);
        }
        assertThat(code).isZero();
        return buf.toString(StandardCharsets.UTF_8).trim();
    }
}
