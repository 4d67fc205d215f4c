package io.parley.server.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Plain HTTP endpoints beside /ws. Each route answers a path with a status, a content type and a body. */
@ChannelHandler.Sharable
public final class HttpRoutes extends SimpleChannelInboundHandler<FullHttpRequest> {

    /** One plain HTTP endpoint. */
    public interface Route {
        HttpReply handle(FullHttpRequest req, QueryStringDecoder query);
    }

    /** A route's answer. */
    public record HttpReply(HttpResponseStatus status, String contentType, byte[] body) {
        public static HttpReply text(HttpResponseStatus status, String body) {
            return new HttpReply(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Map<String, Route> routes;

    HttpRoutes(Map<String, Route> routes) {
        this.routes = Map.copyOf(routes);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        Route route = routes.get(q.path());
        HttpReply reply = route == null
                ? HttpReply.text(HttpResponseStatus.NOT_FOUND, "no such path: " + q.path() + " (WebSocket endpoint: /ws)\n")
                : route.handle(req, q);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
                Unpooled.wrappedBuffer(reply.body()));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(res, keepAlive);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
