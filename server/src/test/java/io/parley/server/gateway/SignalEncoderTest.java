package io.parley.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.RoomStateReason;
import io.parley.protocol.signal.SignalCodec;
import io.parley.protocol.signal.StreamDeleteCode;
import io.parley.server.room.RequestRef;
import io.parley.server.room.Signal;
import io.parley.server.sfu.EndReason;
import io.parley.server.sfu.PlayState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Typed signals to the envelopes of PROTOCOL.md, including the JSON-in-a-string extendedData fields. */
class SignalEncoderTest {
    private static JsonNode encode(Signal s) throws Exception {
        ByteBuf b = SignalEncoder.encode(s, ByteBufAllocator.DEFAULT);
        try {
            return SignalCodec.MAPPER.readTree(b.toString(StandardCharsets.UTF_8));
        } finally {
            b.release();
        }
    }

    @Test
    void aReplyEchoesTheWireRequestId() throws Exception {
        JsonNode r = encode(new Signal.Reply(new WireRequest(IntNode.valueOf(9)), "heartbeat", 0, "OK", null));
        assertThat(r.toString()).isEqualTo("{\"id\":9,\"type\":\"heartbeat\",\"code\":0,\"message\":\"OK\",\"data\":{}}");
        assertThat(encode(new Signal.Reply(RequestRef.NONE, "x", 1, "m", null)).get("id").isNull()).isTrue();
    }

    @Test
    void aNumberedPushStartsWithItsSeqAndASharedOneKeepsItsOneEncoding() throws Exception {
        Signal.Shared shared = new Signal.Shared(new Signal.RoomStateChanged("r", RoomStateReason.LOGINED, 0, null));
        for (long seq : new long[] {1, 42, Long.MAX_VALUE}) {
            ByteBuf b = SignalEncoder.encode(shared, ByteBufAllocator.DEFAULT, seq);
            try {
                String text = b.toString(StandardCharsets.UTF_8);
                assertThat(text).startsWith("{\"seq\":" + seq + ",\"push\":\"roomStateChanged\"");
                assertThat(SignalCodec.MAPPER.readTree(text).path("data").path("reason").asText()).isEqualTo("LOGINED");
            } finally {
                b.release();
            }
        }
        ByteBuf plain = SignalEncoder.encode(shared, ByteBufAllocator.DEFAULT, 0);
        try {
            assertThat(plain.toString(StandardCharsets.UTF_8)).startsWith("{\"push\":");
        } finally {
            plain.release();
        }
    }

    @Test
    void kickoutAndStreamDeleteCarryTheirReasonsAsJsonStrings() throws Exception {
        JsonNode k = encode(new Signal.RoomStateChanged("r", RoomStateReason.KICKOUT, 1002050, "kicked_multiple_login"));
        assertThat(k.path("data").path("extendedData").asText()).isEqualTo("{\"kickout_reason\":\"kicked_multiple_login\"}");
        assertThat(encode(new Signal.RoomStateChanged("r", RoomStateReason.LOGINED, 0, null))
                .path("data").path("extendedData").asText()).isEmpty();
        JsonNode d = encode(new Signal.RoomStreamUpdate("r", Messages.DELETE, List.of(),
                List.of(new Messages.StreamDeleteReason("s1", StreamDeleteCode.REPEAT_LOGIN.code(),
                        StreamDeleteCode.REPEAT_LOGIN.description()))));
        JsonNode extended = SignalCodec.MAPPER.readTree(d.path("data").path("extendedData").asText());
        assertThat(extended.toString()).contains("\"s1\"").contains(Integer.toString(StreamDeleteCode.REPEAT_LOGIN.code()));
    }

    @Test
    void stateUpdatesNameTheirEndReason() throws Exception {
        JsonNode p = encode(new Signal.PlayerStateUpdate("r", "s", PlayState.NO_PLAY, 0, EndReason.PUBLISHER_STOPPED, ""));
        assertThat(p.path("push").asText()).isEqualTo(Messages.PLAYER_STATE_UPDATE);
        assertThat(p.path("data").path("state").asText()).isEqualTo("NO_PLAY");
        assertThat(p.path("data").path("roomID").asText()).isEqualTo("r");
        assertThat(p.path("data").path("extendedData").asText()).isEqualTo("{\"reason\":\"publisher_stopped\"}");
        JsonNode f = encode(new Signal.PlayerStateUpdate("r", "s", PlayState.NO_PLAY, 1104028, EndReason.MEDIA_FAILED, "why"));
        assertThat(f.path("data").path("extendedData").asText()).isEqualTo("why");
    }

    @Test
    void aSharedPushIsEncodedOnce() throws Exception {
        Signal.Shared shared = new Signal.Shared(new Signal.RoomStateChanged("r", RoomStateReason.LOGINED, 0, null));
        ByteBuf a = SignalEncoder.encode(shared, ByteBufAllocator.DEFAULT);
        ByteBuf b = SignalEncoder.encode(shared, ByteBufAllocator.DEFAULT);
        try {
            assertThat(a.array()).isSameAs(b.array());
        } finally {
            a.release();
            b.release();
        }
    }
}
