package io.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.protocol.signal.Envelope;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SignalCodecTest {
    private static Envelope parse(String s) {
        return SignalCodec.parseRequest(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static int code(Runnable r) {
        try {
            r.run();
        } catch (ProtocolException e) {
            return e.code();
        }
        return 0;
    }

    @Test
    void parsesAnEnvelopeAndBindsItsData() {
        Envelope e = parse("{\"id\":5,\"type\":\"loginRoom\",\"data\":{\"appID\":1,\"roomID\":\"r\",\"user\":{\"userID\":\"u\"},"
                + "\"config\":{\"userUpdate\":true,\"maxMemberCount\":3},\"future\":\"ignored\"}}");
        assertThat(e.id().asInt()).isEqualTo(5);
        Messages.LoginRoom l = SignalCodec.bind(e, Messages.LoginRoom.class);
        assertThat(l.roomID()).isEqualTo("r");
        assertThat(l.config().maxMemberCount()).isEqualTo(3);
        assertThat(l.user().userName()).isNull();
    }

    @Test
    void refusesCoercionsAndSaysWhichField() {
        Envelope e = parse("{\"id\":\"1\",\"type\":\"loginRoom\",\"data\":{\"config\":{\"userUpdate\":\"yes\"}}}");
        assertThatThrownBy(() -> SignalCodec.bind(e, Messages.LoginRoom.class)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("config.userUpdate").hasMessageContaining("boolean");
        Envelope n = parse("{\"id\":\"1\",\"type\":\"startPublishing\",\"data\":{\"streamID\":12}}");
        assertThatThrownBy(() -> SignalCodec.bind(n, Messages.StartPublishing.class)).hasMessageContaining("streamID");
        Envelope f = parse("{\"id\":\"1\",\"type\":\"loginRoom\",\"data\":{\"appID\":1.5}}");
        assertThat(code(() -> SignalCodec.bind(f, Messages.LoginRoom.class))).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
    }

    @Test
    void badEnvelopes() {
        assertThat(code(() -> parse("nope"))).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
        assertThat(code(() -> parse("{} {}"))).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
        assertThat(code(() -> parse("{\"id\":true,\"type\":\"x\"}"))).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
        assertThat(code(() -> parse("{\"id\":\"1\",\"type\":\"x\",\"data\":[]}"))).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
        assertThat(code(() -> parse("{\"id\":\"1\",\"type\":\"x\"}"))).isZero();
    }

    @Test
    void identifierRules() {
        assertThat(code(() -> new RoomId("a".repeat(128)))).isZero();
        assertThat(code(() -> new RoomId("a".repeat(129)))).isEqualTo(ErrorCode.ROOM_ID_TOO_LONG);
        assertThat(code(() -> new RoomId("é"))).isEqualTo(ErrorCode.ROOM_ID_ILLEGAL);
        assertThat(code(() -> new UserId("a:b"))).isEqualTo(ErrorCode.USER_ID_ILLEGAL);
        assertThat(code(() -> new UserId(null))).isEqualTo(ErrorCode.USER_ID_EMPTY);
        assertThat(code(() -> new StreamId("a-b_C9"))).isZero();
        assertThat(code(() -> new StreamId("a b"))).isEqualTo(ErrorCode.STREAM_ID_ILLEGAL);
        assertThat(code(() -> new AppId(0))).isEqualTo(ErrorCode.APP_ID_INVALID);
        assertThat(code(() -> Identifiers.userName("é".repeat(129), "u"))).isEqualTo(ErrorCode.USER_NAME_TOO_LONG);
        assertThat(Identifiers.userName(null, "u")).isEqualTo("u");
    }

    /** The streaming writers the gateway uses must put on the wire exactly what the tree builders describe. */
    @Test
    void streamedEnvelopesAreByteForByteTheTreeOnes() throws Exception {
        var streams = java.util.List.of(new Messages.StreamInfo("s-1", new Messages.User("u\u00e9\"1", null), "{\"k\":1}"));
        Object[] datas = {null, new Messages.RoomStreamUpdate("r", "ADD", streams, ""),
            SignalCodec.MAPPER.readTree("{\"n\":1.5,\"a\":[true,null]}"), java.util.Map.of("x", 1L), "text"};
        com.fasterxml.jackson.databind.JsonNode[] ids = {null, SignalCodec.MAPPER.readTree("7"),
            SignalCodec.MAPPER.readTree("\"id-\\u0001\""), com.fasterxml.jackson.databind.node.NullNode.instance};
        for (Object data : datas) {
            for (com.fasterxml.jackson.databind.JsonNode id : ids) {
                for (String message : new String[] {null, "", "bad \"x\""}) {
                    var out = new java.io.ByteArrayOutputStream();
                    SignalCodec.writeResponse(out, id, "loginRoom", 1002001, message, data);
                    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(
                            SignalCodec.MAPPER.writeValueAsString(SignalCodec.response(id, "loginRoom", 1002001, message, data)));
                }
            }
            var out = new java.io.ByteArrayOutputStream();
            SignalCodec.writePush(out, "roomStreamUpdate", data);
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .isEqualTo(SignalCodec.MAPPER.writeValueAsString(SignalCodec.push("roomStreamUpdate", data)));
        }
    }
}
