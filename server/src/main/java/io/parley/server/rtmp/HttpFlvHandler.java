package io.parley.server.rtmp;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP-FLV playback on the gateway's HTTP port: {@code GET /<app>/<streamID>.flv?<query>} answers 200 with a
 * chunked {@code video/x-flv} body (FLV header, onMetaData, sequence headers, live tags rebased to start near 0)
 * until the stream ends; refusals are 403/404/503 with a short text; other methods on such paths get 405.
 * Any other request passes on untouched. Goes after the HTTP aggregator, before the plain routes.
 */
@ChannelHandler.Sharable
public final class HttpFlvHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpFlvHandler.class);
    private static final Pattern PATH = Pattern.compile("^/([^/]+)/([^/]+)\\.flv$");
    /** Set once a connection carries an FLV response: later requests on it are dropped. */
    private static final AttributeKey<Boolean> STREAMING = AttributeKey.valueOf("parley.flv.streaming");

    private final RtmpConfig config;
    private final LiveStreams hub;
    private final RtmpGate gate;
    private final RtmpMetrics metrics;

    public HttpFlvHandler(RtmpConfig config, LiveStreams hub, RtmpGate gate, RtmpMetrics metrics) {
        this.config = config;
        this.hub = hub;
        this.gate = gate;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel().hasAttr(STREAMING)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof FullHttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        Matcher m = PATH.matcher(q.path());
        if (!m.matches()) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpMethod method = req.method();
        String uri = req.uri();
        req.release();
        ctx.channel().attr(STREAMING).set(Boolean.TRUE);
        if (!HttpMethod.GET.equals(method)) {
            FullHttpResponse res = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET plays a stream\n");
            res.headers().set(HttpHeaderNames.ALLOW, "GET");
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        int qi = uri.indexOf('?');
        String query = qi < 0 ? "" : uri.substring(qi + 1);
        InetSocketAddress remote = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
        var req2 = new PlayRequest(m.group(1), m.group(2), query, Form.FLV, remote);
        Gates.decide(ctx, config.gateTimeout(), () -> gate.authorizePlay(req2), d -> admitted(ctx, req2, d));
    }

    private void admitted(ChannelHandlerContext ctx, PlayRequest req, Decision d) {
        if (d instanceof Decision.Refused r) {
            refuse(ctx, req, r.code(), r.reason());
            return;
        }
        var a = (Decision.Accepted) d;
        if (!a.waitForPublisher() && !hub.isLive(a.key())) {
            refuse(ctx, req, Refusal.NOT_FOUND, req.streamName() + " is not live");
            return;
        }
        ctx.channel().config().setWriteBufferWaterMark(
                new WriteBufferWaterMark(config.writeBufferLowBytes(), config.writeBufferHighBytes()));
        FlvPlayerSink sink = new FlvPlayerSink(ctx.channel(), metrics, config.slowPlayerTimeout().toNanos(), req.streamName());
        sink.bind(a.key(), a.attachment());
        LiveStreams.Subscription sub = hub.subscribe(a.key(), sink, a.waitForPublisher());
        if (sub == null) {
            refuse(ctx, req, Refusal.NOT_FOUND, req.streamName() + " is not live");
            return;
        }
        metrics.flvConnection(1);
        ctx.channel().closeFuture().addListener(f -> {
            metrics.flvConnection(-1);
            EndReason r = sink.endReason();
            sub.close(r == EndReason.SLOW ? EndReason.SLOW : EndReason.DISCONNECTED);
        });
        if (a.waitForPublisher()) {
            ctx.executor().schedule(() -> {
                if (sink.claimUnstarted() && sub.close(EndReason.NOT_LIVE)) {
                    refuse(ctx, req, Refusal.NOT_FOUND, req.streamName() + " did not go live in time");
                }
            }, config.playWaitTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void refuse(ChannelHandlerContext ctx, PlayRequest req, Refusal code, String reason) {
        metrics.flvRefusal(code);
        log.info("flv {} {}/{}: refused ({}): {}", req.remote(), req.app(), req.streamName(), code.tag(), reason);
        ctx.writeAndFlush(text(HttpResponseStatus.valueOf(code.httpStatus()), reason + "\n"))
                .addListener(ChannelFutureListener.CLOSE);
    }

    static FullHttpResponse text(HttpResponseStatus status, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(b));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, b.length);
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return res;
    }
}
