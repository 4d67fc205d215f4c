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
    /** The address a channel is counted for (its own, or the client's for a relayed session). */
    private static final io.netty.util.AttributeKey<InetAddress> COUNTED = io.netty.util.AttributeKey.valueOf("parley.counted");
    /** Admitted from a cluster peer's address over its cap: the cap is applied at the request (see admit). */
    private static final io.netty.util.AttributeKey<Boolean> DEFERRED = io.netty.util.AttributeKey.valueOf("parley.deferred");
    /** Addresses that sent a verified relay header: the nodes of this cluster (bounded: a cluster is small). */
    private static final int MAX_PEERS = 1024;
    private final ConcurrentHashMap<InetAddress, Boolean> peers = new ConcurrentHashMap<>();
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
            if (n.get() > maxPerAddress && peers.containsKey(addr)) {
                // A node of the cluster relays its clients' sessions from this address: the request's relay header
                // says whose they are, so the cap is applied then (RelayAdmission: checkDeferred or reattribute).
                ch.attr(DEFERRED).set(Boolean.TRUE);
            } else if (n.get() > maxPerAddress) {
                release(addr);
                open.decrementAndGet();
                refuse(ch, GatewayEvents.Refusal.ADDRESS, HttpResponseStatus.TOO_MANY_REQUESTS,
                        "too many connections from " + addr.getHostAddress() + " (" + maxPerAddress
                                + ", gateway.maxConnectionsPerAddress): close some first\n");
                return false;
            }
        }
        ch.attr(COUNTED).set(addr);
        ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            InetAddress counted = ch.attr(COUNTED).getAndSet(null);
            if (counted != null) {
                release(counted);
            }
        });
        return true;
    }

    /**
     * A session relayed by another node of the cluster: from now on {@code ch} counts for the client's address
     * ({@code client}, vouched for by the relay header) instead of the relaying node's. Returns false, and leaves the
     * count as it was, when that address is at its cap; the caller refuses the request.
     */
    boolean reattribute(Channel ch, InetAddress client) {
        AtomicInteger n = perAddress.compute(client, (k, v) -> v == null ? new AtomicInteger(1) : inc(v));
        if (n.get() > maxPerAddress) {
            release(client);
            events.connectionRefused(GatewayEvents.Refusal.ADDRESS);
            return false;
        }
        ch.attr(DEFERRED).set(null);
        InetAddress before = ch.attr(COUNTED).getAndSet(client);
        if (before != null) {
            release(before);
        }
        if (!ch.isOpen() && ch.attr(COUNTED).getAndSet(null) != null) {
            release(client); // closed meanwhile: its close listener may have run before the swap
        }
        return true;
    }

    /**
     * The per-address cap of a connection admitted from a cluster peer's address over it, once its request has no
     * relay header: true when it may stay. A connection counted within the cap (or relayed) passes.
     */
    boolean checkDeferred(Channel ch) {
        if (ch.attr(DEFERRED).getAndSet(null) == null) {
            return true;
        }
        InetAddress counted = ch.attr(COUNTED).get();
        AtomicInteger n = counted == null ? null : perAddress.get(counted);
        if (n != null && n.get() > maxPerAddress) {
            events.connectionRefused(GatewayEvents.Refusal.ADDRESS);
            return false;
        }
        return true;
    }

    /** {@code addr} relayed a session with a verified header: it is a cluster peer (see {@link #admit}). */
    void peer(InetAddress addr) {
        if (peers.size() < MAX_PEERS || peers.containsKey(addr)) {
            peers.put(addr, Boolean.TRUE);
        }
    }

    int maxPerAddress() {
        return maxPerAddress;
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
        res.headers().set(SignalRelay.REFUSAL_HEADER, body.strip());
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
