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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain HTTP endpoints beside /ws, routed by method and path. A handler may answer later (reading room state is
 * a hop to the room's loop): the response is written when its stage completes. HEAD is answered by the GET route
 * without its body. A known path asked with another method gets 405 with an {@code Allow} header; an unknown
 * path 404.
 */
@ChannelHandler.Sharable
public final class HttpRoutes extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRoutes.class);

    /** A route answered at once. */
    public interface Route {
        HttpReply handle(FullHttpRequest req, QueryStringDecoder query);
    }

    /**
     * A route answered when its stage completes (on any thread). The request is released when {@code handle}
     * returns: read from it what the answer needs before that.
     */
    public interface AsyncRoute {
        CompletionStage<HttpReply> handle(FullHttpRequest req, QueryStringDecoder query);
    }

    /** Where a route is mounted. */
    public record Key(HttpMethod method, String path) {
        public static Key get(String path) {
            return new Key(HttpMethod.GET, path);
        }
    }

    /** A route's answer. */
    public record HttpReply(HttpResponseStatus status, String contentType, byte[] body) {
        public static HttpReply text(HttpResponseStatus status, String body) {
            return new HttpReply(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Mounts synchronous routes as GET routes. */
    public static Map<Key, AsyncRoute> get(Map<String, Route> routes) {
        Map<Key, AsyncRoute> out = new LinkedHashMap<>();
        routes.forEach((path, r) -> out.put(Key.get(path), async(r)));
        return out;
    }

    public static AsyncRoute async(Route r) {
        return (req, q) -> CompletableFuture.completedFuture(r.handle(req, q));
    }

    private final Map<Key, AsyncRoute> routes;
    private final Map<String, String> allowed = new LinkedHashMap<>();

    HttpRoutes(Map<Key, AsyncRoute> routes) {
        this.routes = Map.copyOf(routes);
        Map<String, StringJoiner> methods = new LinkedHashMap<>();
        for (Key k : routes.keySet()) {
            methods.computeIfAbsent(k.path(), p -> new StringJoiner(", ")).add(k.method().name());
        }
        methods.forEach((path, m) -> allowed.put(path, m.toString()));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean head = HttpMethod.HEAD.equals(req.method());
        AsyncRoute route = routes.get(new Key(head ? HttpMethod.GET : req.method(), q.path()));
        if (route == null) {
            String allow = allowed.get(q.path());
            HttpReply reply = allow == null
                    ? HttpReply.text(HttpResponseStatus.NOT_FOUND, "no such path: " + q.path() + " (WebSocket endpoint: /ws)\n")
                    : HttpReply.text(HttpResponseStatus.METHOD_NOT_ALLOWED, req.method() + " " + q.path()
                            + " (expected: " + allow + ")\n");
            write(ctx, reply, keepAlive, allow, head);
            return;
        }
        CompletionStage<HttpReply> answer;
        try {
            answer = route.handle(req, q);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((reply, err) -> {
            HttpReply r = reply;
            if (err != null) {
                log.warn("HTTP {} {} failed", req.method(), q.path(), err);
                r = HttpReply.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error\n");
            }
            HttpReply done = r;
            if (ctx.executor().inEventLoop()) {
                write(ctx, done, keepAlive, null, head);
            } else {
                ctx.executor().execute(() -> write(ctx, done, keepAlive, null, head));
            }
        });
    }

    private static void write(ChannelHandlerContext ctx, HttpReply reply, boolean keepAlive, String allow, boolean head) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (allow != null) {
            res.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        HttpUtil.setKeepAlive(res, keepAlive);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
