package io.parley.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.protocol.ErrorCode;
import io.parley.server.RawClient;
import io.parley.server.TestServer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input over a real WebSocket: an error response or a close status, never a crash or a hang. */
class GatewayProtocolTest {
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String login(RawClient c, String id, String user, String room) {
        return "{\"appID\":" + TestServer.APP + ",\"roomID\":\"" + room + "\",\"token\":\"" + TestServer.token(user)
                + "\",\"user\":{\"userID\":\"" + user + "\",\"userName\":\"U\"},\"config\":{\"userUpdate\":true}}";
    }

    @Test
    void malformedJsonGetsDataFormatErrorAndTheSessionStaysUsable() {
        try (RawClient c = server.raw()) {
            c.send("{\"id\":\"1\",\"type\":");
            JsonNode r = c.next(n -> n.has("code"));
            assertThat(r.path("code").asInt()).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
            assertThat(r.path("message").asText()).contains("malformed JSON");
            JsonNode hb = c.call("2", "heartbeat", "{}");
            assertThat(hb.path("code").asInt()).isZero();
            assertThat(hb.path("data").path("serverTime").asLong()).isPositive();
        }
    }

    @Test
    void nonObjectAndMissingMembersAreRefused() {
        try (RawClient c = server.raw()) {
            c.send("[1,2,3]");
            assertThat(c.next(n -> n.has("code")).path("code").asInt()).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
            c.send("{\"type\":\"heartbeat\"}");
            JsonNode noId = c.next(n -> n.has("code"));
            assertThat(noId.path("code").asInt()).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
            assertThat(noId.path("message").asText()).contains("id: missing");
            c.send("{\"id\":\"7\"}");
            JsonNode noType = c.response("7");
            assertThat(noType.path("code").asInt()).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
            assertThat(noType.path("message").asText()).contains("type: missing");
        }
    }

    @Test
    void unknownTypeIsNamedInTheError() {
        try (RawClient c = server.raw()) {
            JsonNode r = c.call("u1", "fly", "{}");
            assertThat(r.path("code").asInt()).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
            assertThat(r.path("type").asText()).isEqualTo("fly");
            assertThat(r.path("message").asText()).contains("unknown request 'fly'").contains("loginRoom");
        }
    }

    @Test
    void mistypedFieldIsNamedInTheError() {
        try (RawClient c = server.raw()) {
            JsonNode r = c.call("m1", "loginRoom", "{\"appID\":" + TestServer.APP
                    + ",\"roomID\":\"r\",\"token\":\"t\",\"user\":{\"userID\":\"a\"},\"config\":{\"maxMemberCount\":\"five\"}}");
            assertThat(r.path("code").asInt()).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
            assertThat(r.path("message").asText()).contains("config.maxMemberCount").contains("integer");
            JsonNode r2 = c.call("m2", "loginRoom", "{\"appID\":" + TestServer.APP + ",\"roomID\":42,\"token\":\"t\"}");
            assertThat(r2.path("code").asInt()).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
            assertThat(r2.path("message").asText()).contains("roomID").contains("string");
        }
    }

    @Test
    void missingFieldsGetTheirSpecificCodes() {
        try (RawClient c = server.raw()) {
            JsonNode noRoom = c.call("1", "loginRoom", "{\"appID\":" + TestServer.APP + ",\"token\":\"t\",\"user\":{\"userID\":\"a\"}}");
            assertThat(noRoom.path("code").asInt()).isEqualTo(ErrorCode.ROOM_ID_EMPTY);
            JsonNode noUser = c.call("2", "loginRoom", "{\"appID\":" + TestServer.APP + ",\"roomID\":\"r\",\"token\":\"t\"}");
            assertThat(noUser.path("code").asInt()).isEqualTo(ErrorCode.USER_ID_EMPTY);
            JsonNode noApp = c.call("3", "loginRoom", "{\"roomID\":\"r\",\"token\":\"t\",\"user\":{\"userID\":\"a\"}}");
            assertThat(noApp.path("code").asInt()).isEqualTo(ErrorCode.APP_ID_INVALID);
            JsonNode unknownApp = c.call("4", "loginRoom", "{\"appID\":99,\"roomID\":\"r\",\"token\":\"t\",\"user\":{\"userID\":\"a\"}}");
            assertThat(unknownApp.path("code").asInt()).isEqualTo(ErrorCode.APP_ID_INVALID);
            JsonNode noStream = c.call("5", "startPublishing", "{}");
            assertThat(noStream.path("code").asInt()).isEqualTo(ErrorCode.NOT_LOGGED_IN);
        }
    }

    @Test
    void requestsBeforeLoginGetNotLoggedIn() {
        try (RawClient c = server.raw()) {
            for (String type : new String[] {"startPublishing", "stopPublishing", "logoutRoom"}) {
                JsonNode r = c.call(type, type, "{\"streamID\":\"s1\"}");
                assertThat(r.path("code").asInt()).as(type).isEqualTo(ErrorCode.NOT_LOGGED_IN);
            }
        }
    }

    @Test
    void identifierRulesHaveTheirCodes() {
        try (RawClient c = server.raw()) {
            String longRoom = "r".repeat(129);
            assertThat(loginCode(c, "a", longRoom)).isEqualTo(ErrorCode.ROOM_ID_TOO_LONG);
            assertThat(loginCode(c, "a", "bad:room")).isEqualTo(ErrorCode.ROOM_ID_ILLEGAL);
            assertThat(loginCode(c, "a", "bad/room")).isEqualTo(ErrorCode.ROOM_ID_ILLEGAL);
            assertThat(loginCode(c, "u".repeat(65), "r")).isEqualTo(ErrorCode.USER_ID_TOO_LONG);
            assertThat(loginCode(c, "sp ace", "r")).isEqualTo(ErrorCode.USER_ID_ILLEGAL);
            assertThat(loginCode(c, "", "r")).isEqualTo(ErrorCode.USER_ID_EMPTY);
            assertThat(c.call("n", "loginRoom", "{\"appID\":" + TestServer.APP + ",\"roomID\":\"r\",\"token\":\""
                    + TestServer.token("a") + "\",\"user\":{\"userID\":\"a\",\"userName\":\"" + "n".repeat(257) + "\"}}")
                    .path("code").asInt()).isEqualTo(ErrorCode.USER_NAME_TOO_LONG);
            // A valid login still works on the same connection after all of those.
            assertThat(loginCode(c, "a-1_~!@#$%^&*()+=`;',.<>", "r~!@#$%^&*()_+=-`;',.<>")).isZero();
            assertThat(c.call("p1", "startPublishing", "{\"streamID\":\"\"}").path("code").asInt()).isEqualTo(ErrorCode.STREAM_ID_EMPTY);
            assertThat(c.call("p2", "startPublishing", "{\"streamID\":\"" + "s".repeat(257) + "\"}").path("code").asInt())
                    .isEqualTo(ErrorCode.STREAM_ID_TOO_LONG);
            assertThat(c.call("p3", "startPublishing", "{\"streamID\":\"s.1\"}").path("code").asInt())
                    .isEqualTo(ErrorCode.STREAM_ID_ILLEGAL);
            assertThat(c.call("p4", "startPublishing", "{\"streamID\":\"s1\",\"extraInfo\":\"" + "x".repeat(1025) + "\"}")
                    .path("code").asInt()).isEqualTo(ErrorCode.EXTRA_INFO_TOO_LONG);
            assertThat(c.call("p5", "startPublishing", "{\"streamID\":\"" + "s".repeat(256) + "\"}").path("code").asInt()).isZero();
        }
    }

    private int loginCode(RawClient c, String user, String room) {
        String id = "l" + System.nanoTime();
        String json = "{\"appID\":" + TestServer.APP + ",\"roomID\":" + quote(room) + ",\"token\":\"" + TestServer.token(user)
                + "\",\"user\":{\"userID\":" + quote(user) + "}}";
        return c.call(id, "loginRoom", json).path("code").asInt();
    }

    private static String quote(String s) {
        return io.parley.protocol.signal.SignalCodec.MAPPER.getNodeFactory().textNode(s).toString();
    }

    @Test
    void binaryFrameClosesWith1003() {
        try (RawClient c = server.raw()) {
            c.ws().sendBinary(new byte[] {1, 2, 3});
            assertThat(c.awaitClosed().status()).isEqualTo(1003);
        }
    }

    @Test
    void invalidUtf8ClosesWith1007() {
        try (RawClient c = server.raw()) {
            c.ws().sendTextBytes(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
            assertThat(c.awaitClosed().status()).isEqualTo(1007);
        }
    }

    @Test
    void frameOverTheLimitClosesWith1009() {
        try (RawClient c = server.raw()) {
            String big = "{\"id\":\"1\",\"type\":\"heartbeat\",\"data\":{\"pad\":\"" + "x".repeat(64 * 1024) + "\"}}";
            c.send(big);
            assertThat(c.awaitClosed().status()).isEqualTo(1009);
        }
    }

    @Test
    void frameJustUnderTheLimitIsServed() {
        try (RawClient c = server.raw()) {
            String prefix = "{\"id\":\"1\",\"type\":\"heartbeat\",\"data\":{\"pad\":\"";
            String suffix = "\"}}";
            int pad = 64 * 1024 - prefix.length() - suffix.length();
            c.send(prefix + "x".repeat(pad) + suffix);
            assertThat(c.response("1").path("code").asInt()).isZero();
        }
    }

    @Test
    void badInputOnOneSessionDoesNotDisturbAnother() throws Exception {
        try (ParleyEngine alice = server.engine(); ParleyEngine bob = server.engine()) {
            assertThat(alice.loginRoom("calm", TestServer.token("alice"), TestServer.user("alice"), TestServer.withUserUpdates())
                    .get().code()).isZero();
            for (int i = 0; i < 3; i++) {
                RawClient bad = server.raw();
                switch (i) {
                    case 0 -> bad.ws().sendBinary(new byte[] {9});
                    case 1 -> bad.ws().sendTextBytes(new byte[] {(byte) 0xFF});
                    default -> bad.send("x".repeat(70_000));
                }
                assertThat(bad.awaitClosed().status()).isIn(1003, 1007, 1009);
            }
            assertThat(bob.loginRoom("calm", TestServer.token("bob"), TestServer.user("bob"), TestServer.withUserUpdates())
                    .get().code()).isZero();
            org.awaitility.Awaitility.await().until(() -> alice.roomUsers().contains("bob"));
            assertThat(alice.heartbeat().get().code()).isZero();
        }
    }

    @Test
    void plainHttpPathsAnswerWithoutUpgrading() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var base = "http://127.0.0.1:" + server.server().port();
        var ok = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/healthz")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        var missing = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/nope")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("/ws");
    }
}
