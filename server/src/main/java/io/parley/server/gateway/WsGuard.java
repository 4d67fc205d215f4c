package io.parley.server.gateway;

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
 * not parsed: it gets one constant error reply (1002072) while the socket is writable, a ping gets no pong; a
 * client that sends more than a burst of messages in a row over its budget is closed with 1008.
 */
final class WsGuard extends ChannelInboundHandlerAdapter {
    static final byte[] RATE_LIMITED_REPLY = ("{\"id\":null,\"type\":null,\"code\":" + ErrorCode.REQUEST_RATE_LIMITED
            + ",\"message\":\"too many requests on this connection (expected: at most gateway.requestsPerSecond a second"
            + " on average); this one was not read\",\"data\":{}}").getBytes(StandardCharsets.UTF_8);

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
        boolean text = frame instanceof TextWebSocketFrame;
        ReferenceCountUtil.release(msg);
        events.rateLimited();
        if (++refusedInARow > burst) {
            closing = true;
            events.connectionEnded(GatewayEvents.End.RATE_LIMITED);
            OutboundGuard.closeWebSocket(ctx.channel(), OutboundGuard.POLICY_VIOLATION,
                    "too many requests: over gateway.requestsPerSecond for " + refusedInARow + " messages in a row",
                    closeTimeoutNanos);
        } else if (text && ctx.channel().isWritable()) {
            events.frameOut();
            ctx.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(RATE_LIMITED_REPLY)), ctx.voidPromise());
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
