package io.parley.server.api;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The API port's one handler: {@code GET|POST /?Action=...} answered with the envelope (HTTP 200 whatever the Code,
 * as ZEGO does), {@code GET /openapi.json}, and 404 / 405 for anything else. The envelope is written on the
 * channel's loop when the action's stage completes (actions run on room loops).
 */
@ChannelHandler.Sharable
final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String JSON_TYPE = "application/json; charset=utf-8";

    private final ServerApi api;
    private final byte[] openApi;

    ApiHandler(ServerApi api, byte[] openApi) {
        this.api = api;
        this.openApi = openApi;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpMethod m = req.method();
        if (q.path().equals("/openapi.json")) {
            if (HttpMethod.GET.equals(m)) {
                write(ctx, HttpResponseStatus.OK, JSON_TYPE, openApi, keepAlive);
            } else {
                write(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                        (m + " /openapi.json (expected: GET)\n").getBytes(StandardCharsets.UTF_8), keepAlive);
            }
            return;
        }
        if (!q.path().equals("/")) {
            write(ctx, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                    ("no such path: " + q.path() + " (expected: /?Action=<Name> or /openapi.json)\n")
                            .getBytes(StandardCharsets.UTF_8), keepAlive);
            return;
        }
        if (!HttpMethod.GET.equals(m) && !HttpMethod.POST.equals(m)) {
            write(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                    (m + " / (expected: GET or POST)\n").getBytes(StandardCharsets.UTF_8), keepAlive);
            return;
        }
        byte[] body = HttpMethod.POST.equals(m) ? ByteBufUtil.getBytes(req.content()) : null;
        api.call(q.parameters(), body).whenComplete((bytes, err) -> {
            if (ctx.executor().inEventLoop()) {
                write(ctx, HttpResponseStatus.OK, JSON_TYPE, bytes, keepAlive);
            } else {
                ctx.executor().execute(() -> write(ctx, HttpResponseStatus.OK, JSON_TYPE, bytes, keepAlive));
            }
        });
    }

    private static void write(ChannelHandlerContext ctx, HttpResponseStatus status, String type, byte[] body, boolean keepAlive) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setKeepAlive(res, keepAlive);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
