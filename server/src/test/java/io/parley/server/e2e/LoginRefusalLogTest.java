package io.parley.server.e2e;

import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import io.parley.server.room.RoomService;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A refused login leaves one INFO line an operator can act on (App, room, user, code, why), never the token. */
class LoginRefusalLogTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(RoomService.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level level;
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        level = logger.getLevel();
        logger.setLevel(Level.INFO);
        appender.start();
        logger.addAppender(appender);
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
        logger.detachAppender(appender);
        logger.setLevel(level);
    }

    private List<String> refusals() {
        return appender.list.stream().filter(e -> e.getFormattedMessage().startsWith("login refused"))
                .map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    @Test
    void aTokenForAnotherUserIsLoggedWithoutTheToken() throws Exception {
        Instant now = Instant.now();
        // Signed with the right secret but minted for mallory: refused as TOKEN_INVALID.
        String token = JwtTokens.mint(TestServer.APP, "mallory", TestServer.SECRET.getBytes(StandardCharsets.UTF_8),
                now.minusSeconds(5), now.plus(Duration.ofHours(1)), null, true, true, null);
        try (ParleyEngine e = server.engine()) {
            Result r = e.loginRoom("log-room", token, user("alice"), withUserUpdates()).get(10, TimeUnit.SECONDS);
            assertThat(r.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !refusals().isEmpty());
        String line = refusals().get(0);
        assertThat(line).startsWith("INFO login refused app=" + TestServer.APP + " room=log-room user=alice from=127.0.0.1 code="
                + ErrorCode.TOKEN_INVALID + ": ");
        assertThat(line).contains("does not match the login's userID");
        assertThat(line).doesNotContain(token).doesNotContain(token.substring(0, token.indexOf('.')));
    }

    @Test
    void aMalformedTokenEchoedByTheParserIsStillNotLogged() throws Exception {
        // Garbage that a JWT parser may quote in its message: the line must not carry it.
        String token = "not-a-jwt-" + "x".repeat(40);
        try (ParleyEngine e = server.engine()) {
            Result r = e.loginRoom("log-room", token, user("bob"), withUserUpdates()).get(10, TimeUnit.SECONDS);
            assertThat(r.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !refusals().isEmpty());
        assertThat(refusals().get(0)).contains("app=" + TestServer.APP, "room=log-room", "user=bob",
                "code=" + ErrorCode.TOKEN_INVALID).doesNotContain(token);
    }
}
