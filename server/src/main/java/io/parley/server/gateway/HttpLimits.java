package io.parley.server.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Answers a request the HTTP decoder refused and closes: a request line over {@code gateway.maxInitialLineBytes}
 * gets 414, headers over {@code gateway.maxHeaderBytes} 431, anything else unparsable 400. (A body over the
 * aggregator's limit gets 413 from the aggregator.) Stateless.
 */
@ChannelHandler.Sharable
final class HttpLimits extends ChannelInboundHandlerAdapter {
    private final GatewayEvents events;

    HttpLimits(GatewayEvents events) {
        this.events = events;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DecoderResult r = msg instanceof HttpObject o ? o.decoderResult() : DecoderResult.SUCCESS;
        if (r.isSuccess()) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        Throwable cause = r.cause();
        HttpResponseStatus status;
        String why;
        if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            why = "request line too long (expected: at most gateway.maxInitialLineBytes bytes)";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            why = "request headers too large (expected: at most gateway.maxHeaderBytes bytes)";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            why = "malformed HTTP request: " + (cause == null ? "unknown" : cause.getMessage());
        }
        events.connectionEnded(GatewayEvents.End.BAD_REQUEST);
        ctx.writeAndFlush(text(status, why + "\n")).addListener(ChannelFutureListener.CLOSE);
    }

    static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return res;
    }
}
