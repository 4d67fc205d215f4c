package io.parley.server.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open gateway connections per node ({@code gateway.maxConnections}) and per source address
 * ({@code gateway.maxConnectionsPerAddress}). A connection over a cap is answered at once, before its request is
 * read, with 503 (node) or 429 (address), a text body and {@code Connection: close}, then closed: a WebSocket client
 * sees its upgrade refused with that status. Thread-safe; one per listener.
 */
final class ConnectionLimiter {
    private final int maxConnections;
    private final int maxPerAddress;
    private final GatewayEvents events;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    ConnectionLimiter(int maxConnections, int maxPerAddress, GatewayEvents events) {
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
        this.events = events;
    }

    /** Counts {@code ch} until it closes and returns true, or refuses it (answers and closes) and returns false. */
    boolean admit(Channel ch) {
        InetAddress addr = ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refuse(ch, GatewayEvents.Refusal.NODE, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "too many connections on this server (" + maxConnections + "): try again later or another node\n");
            return false;
        }
        if (addr != null) {
            AtomicInteger n = perAddress.compute(addr, (k, v) -> v == null ? new AtomicInteger(1) : inc(v));
            if (n.get() > maxPerAddress) {
                release(addr);
                open.decrementAndGet();
                refuse(ch, GatewayEvents.Refusal.ADDRESS, HttpResponseStatus.TOO_MANY_REQUESTS,
                        "too many connections from " + addr.getHostAddress() + " (" + maxPerAddress
                                + ", gateway.maxConnectionsPerAddress): close some first\n");
                return false;
            }
        }
        ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            if (addr != null) {
                release(addr);
            }
        });
        return true;
    }

    /** Connections counted right now (for tests and a gauge). */
    int open() {
        return open.get();
    }

    private static AtomicInteger inc(AtomicInteger v) {
        v.incrementAndGet();
        return v;
    }

    private void release(InetAddress addr) {
        perAddress.computeIfPresent(addr, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }

    private void refuse(Channel ch, GatewayEvents.Refusal why, HttpResponseStatus status, String body) {
        events.connectionRefused(why);
        var res = HttpLimits.text(status, body);
        res.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
        ch.pipeline().addLast(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg); // the request is not read: the answer is the same whatever it says
            }
        });
    }
}
