package io.parley.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.server.room.Connection;
import io.parley.server.room.Signal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;

/**
 * A session's WebSocket. Signals hop to the channel's loop in the order they are given (always queued, see
 * {@link #send(Signal, long, long)}), and are encoded there ({@link SignalEncoder}), so room loops never encode JSON. While the channel is unwritable,
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
     * Quality updates and the online count are periodic and superseded by the next one, barrage messages unreliable by
     * contract: a client that cannot keep up loses them. Replies,
     * state updates (publisher, player, room state) and room updates (users, streams) change what the client
     * believes and are never dropped.
     */
    static boolean bestEffort(Signal signal) {
        Signal s = signal instanceof Signal.Shared shared ? shared.push() : signal;
        return s instanceof Signal.PublishQualityUpdate || s instanceof Signal.PlayQualityUpdate
                || s instanceof Signal.RoomNotice n && n.bestEffort();
    }

    @Override
    public void send(Signal signal) {
        send(signal, UNTIMED);
    }

    @Override
    public void send(Signal signal, long decidedNanos) {
        send(signal, decidedNanos, 0);
    }

    /**
     * Always queued on the channel's loop, even from that loop: a direct write there would overtake signals other
     * threads queued a moment before, and a session's pushes must reach the wire in the order of their seq.
     */
    @Override
    public void send(Signal signal, long decidedNanos, long seq) {
        try {
            channel.eventLoop().execute(() -> write(signal, decidedNanos, seq));
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
        InetAddress relayed = channel.attr(RelayAuth.CLIENT_ADDRESS).get();
        if (relayed != null) {
            return relayed; // a session relayed by another node: the client's address, vouched for by that node
        }
        return channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** Queued like {@link #send}, so that what was sent before (a KICKOUT) goes out before the close frame. */
    @Override
    public void close(int status, String reason) {
        try {
            channel.eventLoop().execute(() -> OutboundGuard.closeWebSocket(channel, status, reason, closeTimeoutNanos));
        } catch (RejectedExecutionException e) {
            // the loop is shutting down: the socket goes with it
        }
    }
}
