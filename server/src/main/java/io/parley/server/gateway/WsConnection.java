package io.parley.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.server.room.Connection;

/** A session's WebSocket. */
final class WsConnection implements Connection {
    private final Channel channel;

    WsConnection(Channel channel) {
        this.channel = channel;
    }

    @Override
    public void send(ByteBuf json) {
        if (channel.isActive()) {
            channel.writeAndFlush(new TextWebSocketFrame(json));
        } else {
            json.release();
        }
    }

    @Override
    public void close(int status, String reason) {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
