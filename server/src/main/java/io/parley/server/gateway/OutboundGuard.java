package io.parley.server.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.server.config.ParleyConfig;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in every gateway pipeline: bounds what one connection makes the server hold. While the channel is
 * unwritable (above {@code gateway.writeBufferHighBytes}) it stops reading, so a client that does not read cannot
 * make us queue pongs or error replies; if it stays unwritable for {@code gateway.slowClientTimeout}, or its queue
 * passes {@code gateway.maxOutboundBytes}, it is closed (WebSocket status 1008). Closing is bounded: a close frame
 * that cannot be flushed within {@code gateway.closeTimeout} does not keep the socket, and once closing starts
 * every further write is dropped, so the queue can only shrink.
 */
final class OutboundGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(OutboundGuard.class);
    /** WebSocket status for a connection closed for what it made us hold (policy violation). */
    static final int POLICY_VIOLATION = 1008;

    private final ParleyConfig.Gateway limits;
    private final GatewayEvents events;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> slowTimer;
    private boolean websocket;
    private boolean closeStarted;
    private boolean closing;

    OutboundGuard(ParleyConfig.Gateway limits, GatewayEvents events) {
        this.limits = limits;
        this.events = events;
    }

    /** The guard of {@code ch}, or null when its pipeline has none (a unit test's bare channel). */
    static OutboundGuard of(Channel ch) {
        return (OutboundGuard) ch.pipeline().get(PipelineNames.OUTBOUND_GUARD);
    }

    /**
     * Closes {@code ch} with a WebSocket close frame, within {@code timeoutNanos} even if the frame cannot be flushed;
     * from now on the guard drops every other write. Any thread.
     */
    static void closeWebSocket(Channel ch, int status, String reason, long timeoutNanos) {
        if (!ch.eventLoop().inEventLoop()) {
            ch.eventLoop().execute(() -> closeWebSocket(ch, status, reason, timeoutNanos));
            return;
        }
        if (!ch.isActive()) {
            return;
        }
        OutboundGuard g = of(ch);
        if (g != null) {
            if (g.closeStarted) {
                return;
            }
            g.closeStarted = true;
        }
        // Written before the guard starts dropping: it sees only the encoded bytes, so it lets this one through first.
        ch.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
        if (g != null) {
            g.closing = true;
        }
        ScheduledFuture<?> force = ch.eventLoop().schedule(() -> {
            if (ch.isOpen()) {
                ch.close();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        ch.closeFuture().addListener(f -> force.cancel(false));
    }

    /** The connection became a WebSocket: close it with a status from now on. */
    void upgraded() {
        websocket = true;
    }

    boolean closing() {
        return closing;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (closing) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
            return;
        }
        ctx.write(msg, promise);
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out != null && out.totalPendingWriteBytes() > limits.maxOutboundBytes() && !closing) {
            log.info("closing {}: {} bytes queued (expected: <= gateway.maxOutboundBytes {})", ctx.channel(),
                    out.totalPendingWriteBytes(), limits.maxOutboundBytes());
            events.connectionEnded(GatewayEvents.End.OUTBOUND_OVERFLOW);
            // Nothing more can reach this client in time: drop the queue now rather than hold it for closeTimeout.
            closing = true;
            closeStarted = true;
            ctx.channel().close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        boolean writable = ch.isWritable();
        ch.config().setAutoRead(writable);
        if (writable) {
            cancelSlowTimer();
        } else if (slowTimer == null && !closing) {
            slowTimer = ctx.executor().schedule(this::slowClient, limits.slowClientTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void slowClient() {
        slowTimer = null;
        Channel ch = ctx.channel();
        if (ch.isWritable() || closeStarted || !ch.isActive()) {
            return;
        }
        log.info("closing {}: unwritable for {} (a client that does not read)", ch, limits.slowClientTimeout());
        events.connectionEnded(GatewayEvents.End.SLOW_CLIENT);
        if (websocket) {
            closeWebSocket(ch, POLICY_VIOLATION, "too slow: outbound queue above " + limits.writeBufferHighBytes()
                    + " bytes for " + limits.slowClientTimeout().toMillis() + " ms", limits.closeTimeout().toNanos());
        } else {
            closing = true;
            closeStarted = true;
            ch.close();
        }
    }

    private void cancelSlowTimer() {
        if (slowTimer != null) {
            slowTimer.cancel(false);
            slowTimer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelSlowTimer();
        ctx.fireChannelInactive();
    }
}
