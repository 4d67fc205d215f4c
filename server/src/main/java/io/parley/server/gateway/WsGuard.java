package io.parley.server.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.parley.protocol.signal.SignalCodec;
import java.io.IOException;
import java.io.InputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.parley.protocol.ErrorCode;
import io.parley.server.config.ParleyConfig;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * Sits between the WebSocket decoder and the protocol handler (which answers pings itself), so it sees every frame:
 * each one is a sign of life ({@code touch}), and each message (text, binary, ping) spends a token of the
 * connection's bucket ({@code gateway.requestsPerSecond}, {@code gateway.requestBurst}). A message over the budget is
 * not handled: a text message gets an error reply (1002072) with its own id and type while the socket is writable
 * (read with a streaming parser that stops at them: a request always gets its one response), a ping gets no pong; a
 * client that sends more than a burst of messages in a row over its budget is closed with 1008.
 */
final class WsGuard extends ChannelInboundHandlerAdapter {
    static final String RATE_LIMITED_MESSAGE = "too many requests on this connection (expected: at most"
            + " gateway.requestsPerSecond a second on average); this one was not handled";

    private final Runnable touch;
    private final GatewayEvents events;
    private final LongSupplier nanoClock;
    private final double perNano;
    private final double burst;
    private final long closeTimeoutNanos;
    private double tokens;
    private long lastRefill;
    private int refusedInARow;
    private boolean closing;

    WsGuard(Runnable touch, ParleyConfig.Gateway limits, GatewayEvents events, LongSupplier nanoClock) {
        this.touch = touch;
        this.events = events;
        this.nanoClock = nanoClock;
        this.perNano = limits.requestsPerSecond() / 1e9;
        this.burst = limits.requestBurst();
        this.closeTimeoutNanos = limits.closeTimeout().toNanos();
        this.tokens = burst;
        this.lastRefill = nanoClock.getAsLong();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        touch.run();
        if (frame instanceof ContinuationWebSocketFrame || frame instanceof CloseWebSocketFrame
                || frame instanceof PongWebSocketFrame || take()) {
            refusedInARow = 0;
            ctx.fireChannelRead(msg);
            return;
        }
        byte[] reply = frame instanceof TextWebSocketFrame && refusedInARow < burst && ctx.channel().isWritable()
                ? refusal(frame.content()) : null;
        ReferenceCountUtil.release(msg);
        events.rateLimited();
        if (++refusedInARow > burst) {
            closing = true;
            events.connectionEnded(GatewayEvents.End.RATE_LIMITED);
            String reason = "too many requests: over gateway.requestsPerSecond for " + refusedInARow + " messages in a row";
            // Queued behind the answers already queued (WsConnection.send queues every write on this loop), so what
            // was admitted is answered before the close.
            ctx.executor().execute(() -> OutboundGuard.closeWebSocket(ctx.channel(), OutboundGuard.POLICY_VIOLATION,
                    reason, closeTimeoutNanos));
        } else if (reply != null) {
            events.frameOut();
            // Queued for the same reason: a refusal must not overtake the answer to a request admitted before it.
            ctx.executor().execute(() -> ctx.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(reply)), ctx.voidPromise()));
        }
    }

    /** The 1002072 answer to a refused request, with the request's top-level id and type (null if it has none). */
    static byte[] refusal(ByteBuf json) {
        JsonNode id = NullNode.getInstance();
        String type = null;
        try (JsonParser p = SignalCodec.MAPPER.getFactory().createParser((InputStream) new ByteBufInputStream(json.duplicate()))) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                boolean seenId = false;
                while (p.nextToken() == JsonToken.FIELD_NAME && (!seenId || type == null)) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("id") && (value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NUMBER_INT)) {
                        id = value == JsonToken.VALUE_STRING ? TextNode.valueOf(p.getText()) : LongNode.valueOf(p.getLongValue());
                        seenId = true;
                    } else if (field.equals("type") && value == JsonToken.VALUE_STRING) {
                        type = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not JSON (or an id too large): answered without an id, like any unreadable frame
        }
        try {
            return SignalCodec.MAPPER.writeValueAsBytes(SignalCodec.response(id, type, ErrorCode.REQUEST_RATE_LIMITED,
                    RATE_LIMITED_MESSAGE, SignalCodec.MAPPER.createObjectNode()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean take() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(burst, tokens + (now - lastRefill) * perNano);
        lastRefill = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
