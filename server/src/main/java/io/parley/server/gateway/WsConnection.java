package io.parley.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.server.room.Connection;
import io.parley.server.room.Signal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;

/**
 * A session's WebSocket. Signals from other loops hop to the channel's loop in order, like Netty's own write, and
 * are encoded there ({@link SignalEncoder}), so room loops never encode JSON. While the channel is unwritable,
 * best-effort pushes ({@link #bestEffort}) are dropped; replies and state/room updates are always queued (the
 * {@link OutboundGuard} bounds that queue). Closing is bounded by {@code gateway.closeTimeout}.
 */
final class WsConnection implements Connection {
    private static final long UNTIMED = Long.MIN_VALUE;

    private final Channel channel;
    private final GatewayEvents events;
    private final long closeTimeoutNanos;

    WsConnection(Channel channel, GatewayEvents events, long closeTimeoutNanos) {
        this.channel = channel;
        this.events = events;
        this.closeTimeoutNanos = closeTimeoutNanos;
    }

    /**
     * Quality updates are periodic and superseded by the next one: a client that cannot keep up loses them. Replies,
     * state updates (publisher, player, room state) and room updates (users, streams) change what the client
     * believes and are never dropped.
     */
    static boolean bestEffort(Signal signal) {
        return signal instanceof Signal.PublishQualityUpdate || signal instanceof Signal.PlayQualityUpdate;
    }

    @Override
    public void send(Signal signal) {
        send(signal, UNTIMED);
    }

    @Override
    public void send(Signal signal, long decidedNanos) {
        send(signal, decidedNanos, 0);
    }

    @Override
    public void send(Signal signal, long decidedNanos, long seq) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            write(signal, decidedNanos, seq);
            return;
        }
        try {
            loop.execute(() -> write(signal, decidedNanos, seq));
        } catch (RejectedExecutionException e) {
            // the loop is shutting down: the socket goes with it
        }
    }

    private void write(Signal signal, long decidedNanos, long seq) {
        if (!channel.isActive()) {
            return;
        }
        if (!channel.isWritable() && bestEffort(signal)) {
            events.pushDropped();
            return;
        }
        ByteBuf json = SignalEncoder.encode(signal, channel.alloc(), seq);
        if (decidedNanos != UNTIMED) {
            events.notificationLatency(System.nanoTime() - decidedNanos);
        }
        events.frameOut();
        channel.writeAndFlush(new TextWebSocketFrame(json), channel.voidPromise());
    }

    @Override
    public InetAddress remoteAddress() {
        return channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    @Override
    public void close(int status, String reason) {
        OutboundGuard.closeWebSocket(channel, status, reason, closeTimeoutNanos);
    }
}
