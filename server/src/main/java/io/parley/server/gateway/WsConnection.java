package io.parley.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.server.room.Connection;
import io.parley.server.room.Signal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;

/**
 * A session's WebSocket. Signals from other loops hop to the channel's loop in order, like Netty's own write, and
 * are encoded there ({@link SignalEncoder}), so room loops never encode JSON.
 */
final class WsConnection implements Connection {
    private static final long UNTIMED = Long.MIN_VALUE;

    private final Channel channel;
    private final GatewayEvents events;

    WsConnection(Channel channel, GatewayEvents events) {
        this.channel = channel;
        this.events = events;
    }

    @Override
    public void send(Signal signal) {
        send(signal, UNTIMED);
    }

    @Override
    public void send(Signal signal, long decidedNanos) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            write(signal, decidedNanos);
            return;
        }
        try {
            loop.execute(() -> write(signal, decidedNanos));
        } catch (RejectedExecutionException e) {
            // the loop is shutting down: the socket goes with it
        }
    }

    private void write(Signal signal, long decidedNanos) {
        if (!channel.isActive()) {
            return;
        }
        ByteBuf json = SignalEncoder.encode(signal, channel.alloc());
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
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
