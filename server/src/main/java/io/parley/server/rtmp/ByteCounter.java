package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/** Counts RTMP bytes on the wire, both ways. */
@ChannelHandler.Sharable
final class ByteCounter extends ChannelDuplexHandler {
    private final RtmpMetrics metrics;

    ByteCounter(RtmpMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            metrics.bytesIn(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            metrics.bytesOut(b.readableBytes());
        }
        ctx.write(msg, promise);
    }
}
