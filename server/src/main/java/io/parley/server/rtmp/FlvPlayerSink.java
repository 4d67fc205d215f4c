package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/** An HTTP-FLV player: the response head and FLV header at the first tag, then one HTTP chunk per FLV tag. */
final class FlvPlayerSink extends ChannelSink {
    private final String name;

    FlvPlayerSink(Channel channel, RtmpMetrics metrics, long slowNanos, String name) {
        super(channel, Form.FLV, metrics, slowNanos, System::nanoTime);
        this.name = name;
    }

    @Override
    void start(boolean hasVideo) {
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "video/x-flv");
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        HttpUtil.setTransferEncodingChunked(res, true);
        channel.write(res, channel.voidPromise());
        ByteBuf header = FlvWriter.header(channel.alloc(), true, hasVideo);
        metrics.flvBytesOut(header.readableBytes());
        wrote(header.readableBytes());
        channel.write(new DefaultHttpContent(header), channel.voidPromise());
    }

    @Override
    void write(MediaTag tag, int timestamp) {
        ByteBuf b = FlvWriter.tag(channel.alloc(), tag.type(), timestamp, tag.body());
        metrics.flvBytesOut(b.readableBytes());
        wrote(b.readableBytes());
        channel.writeAndFlush(new DefaultHttpContent(b), channel.voidPromise());
    }

    @Override
    void finish(EndReason reason, boolean started) {
        if (reason == EndReason.SLOW) {
            return;
        }
        if (started) {
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.writeAndFlush(HttpFlvHandler.text(HttpResponseStatus.NOT_FOUND, name + " ended\n"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }
}
