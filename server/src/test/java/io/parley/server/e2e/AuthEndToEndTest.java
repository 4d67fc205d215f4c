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
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
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
            String t = Token04.mint(env, TestServer.APP, user, KEY, now, now + 600, "");
            try (ParleyEngine e = server.engine()) {
                Result r = e.loginRoom("zego", t, user(user), withUserUpdates()).get();
                assertThat(r.code()).as(env.name()).isZero();
                assertThat(r.data().path("tokenExpireTime").asLong()).isEqualTo(now + 600);
                assertThat(e.startPublishing(user + "-mic", "").get().code()).isZero();
            }
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
            String token = runTokenCommand("--app", Long.toString(TestServer.APP), "--secret", TestServer.SECRET,
                    "--user", "cli", "--room", "cli-room", "--publish", "--ttl", "10m", "--format", format);
            try (ParleyEngine e = server.engine()) {
                assertThat(e.loginRoom("cli-room", token, user("cli"), withUserUpdates()).get().code()).as(format).isZero();
                assertThat(e.startPublishing("cli-" + format.replace('_', '-'), "").get().code()).as(format).isZero();
            }
            try (ParleyEngine e = server.engine()) {
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
