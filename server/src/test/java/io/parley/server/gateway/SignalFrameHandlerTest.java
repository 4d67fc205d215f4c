package io.parley.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.auth.TokenVerifier;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomEvents;
import io.parley.server.room.RoomService;
import io.parley.server.sfu.MediaClock;
import io.parley.server.sfu.MediaPlane;
import io.parley.server.sfu.MediaSessions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The signalling frame handler on an {@link EmbeddedChannel}: frames in, frames out, no socket. */
class SignalFrameHandlerTest {
    private EmbeddedChannel media;
    private EmbeddedChannel ch;

    @BeforeEach
    void open() {
        media = new EmbeddedChannel();
        MediaPlane plane = MediaPlane.attachedTo(new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", Duration.ofSeconds(10)),
                media, MediaClock.SYSTEM);
        RoomService rooms = new RoomService(List.of(new AppConfig(7, "0123456789abcdef0123456789abcdef")), media.eventLoop(),
                new TokenVerifier(Clock.systemUTC()), ParleyConfig.Session.DEFAULTS, new RoomEvents() {},
                new MediaSessions(plane));
        GatewayEvents quiet = new GatewayEvents() {};
        ch = new EmbeddedChannel(new SignalFrameHandler(rooms, new RequestDispatcher(rooms, quiet), quiet));
        ch.pipeline().fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(
                "/ws", new DefaultHttpHeaders(), null));
    }

    @AfterEach
    void close() {
        ch.close();
        ch.runPendingTasks();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
        assertFalse(ch.finish());
        media.finishAndReleaseAll();
    }

    private JsonNode reply() throws Exception {
        ch.runPendingTasks();
        TextWebSocketFrame f = ch.readOutbound();
        assertThat(f).as("a text frame out").isNotNull();
        try {
            return SignalCodec.MAPPER.readTree(f.text());
        } finally {
            f.release();
        }
    }

    @Test
    void aHeartbeatIsAnsweredWithItsRequestId() throws Exception {
        ch.writeInbound(new TextWebSocketFrame("{\"type\":\"heartbeat\",\"id\":\"h-1\",\"data\":{}}"));
        JsonNode r = reply();
        assertThat(r.get("id").asText()).isEqualTo("h-1");
        assertThat(r.get("type").asText()).isEqualTo("heartbeat");
        assertThat(r.get("code").asInt()).isEqualTo(ErrorCode.OK);
    }

    @Test
    void anUnknownRequestTypeIsADataFormatErrorAndTheSocketStays() throws Exception {
        ch.writeInbound(new TextWebSocketFrame("{\"type\":\"dance\",\"id\":7,\"data\":{}}"));
        JsonNode r = reply();
        assertThat(r.get("id").asInt()).isEqualTo(7);
        assertThat(r.get("code").asInt()).isEqualTo(ErrorCode.DATA_FORMAT_ERROR);
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void aRequestBeforeLoginIsRefusedWithNotLoggedIn() throws Exception {
        ch.writeInbound(new TextWebSocketFrame("{\"type\":\"stopPublishing\",\"id\":1,\"data\":{\"streamID\":\"s\"}}"));
        assertThat(reply().get("code").asInt()).isEqualTo(ErrorCode.NOT_LOGGED_IN);
    }

    @Test
    void aBinaryFrameClosesWith1003() {
        ch.writeInbound(new BinaryWebSocketFrame(Unpooled.copiedBuffer("x", StandardCharsets.UTF_8)));
        CloseWebSocketFrame close = ch.readOutbound();
        assertThat(close.statusCode()).isEqualTo(1003);
        close.release();
        assertThat(ch.isActive()).isFalse();
    }
}
