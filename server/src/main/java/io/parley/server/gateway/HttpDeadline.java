package io.parley.server.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection must complete each HTTP request (or its WebSocket upgrade) within {@code gateway.requestTimeout} of
 * opening, or of its previous answer (keep-alive): a slow or silent client is closed. The clock stops while a request
 * is being answered, so a long-lived streaming answer (HTTP-FLV) is never cut; it starts again when an answer ends.
 * The WebSocket handler removes this at the upgrade (the login deadline and heartbeats take over).
 */
final class HttpDeadline extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private final GatewayEvents events;
    private ScheduledFuture<?> timer;
    private boolean inRequest;

    HttpDeadline(long timeoutNanos, GatewayEvents events) {
        this.timeoutNanos = timeoutNanos;
        this.events = events;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            inRequest = true;
        }
        if (msg instanceof LastHttpContent && inRequest) {
            inRequest = false;
            disarm(); // complete: the answer may take as long as it takes
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean last = msg instanceof LastHttpContent;
        ctx.write(msg, promise);
        if (last) {
            arm(ctx); // the answer ended: the next request on this connection gets the same deadline
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        timer = ctx.executor().schedule(() -> {
            timer = null;
            if (ctx.channel().isActive()) {
                events.connectionEnded(GatewayEvents.End.REQUEST_TIMEOUT);
                ctx.channel().close();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
