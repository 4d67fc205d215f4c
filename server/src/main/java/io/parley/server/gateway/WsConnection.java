package io.parley.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.server.room.Connection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;

/** A session's WebSocket. Writes from other loops hop to the channel's loop in order, like Netty's own write. */
final class WsConnection implements Connection {
    private static final long UNTIMED = Long.MIN_VALUE;

    private final Channel channel;
    private final GatewayEvents events;

    WsConnection(Channel channel, GatewayEvents events) {
        this.channel = channel;
        this.events = events;
    }

    @Override
    public void send(ByteBuf json) {
        send(json, UNTIMED);
    }

    @Override
    public void send(ByteBuf json, long decidedNanos) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            write(json, decidedNanos);
            return;
        }
        try {
            loop.execute(() -> write(json, decidedNanos));
        } catch (RejectedExecutionException e) {
            json.release(); // the loop is shutting down: the socket goes with it
        }
    }

    private void write(ByteBuf json, long decidedNanos) {
        if (!channel.isActive()) {
            json.release();
            return;
        }
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
