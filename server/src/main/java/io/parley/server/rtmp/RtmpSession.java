package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RTMP connection after the handshake: NetConnection and NetStream commands, user control, and media in
 * (publisher) or out (player). One publish or one play per connection, as pushers and players do.
 * Lifecycle: handshaking → connected → publishing | playing → closed.
 */
final class RtmpSession extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RtmpSession.class);

    private final RtmpConfig config;
    private final LiveStreams hub;
    private final RtmpGate gate;
    private final RtmpMetrics metrics;
    private String app = "";
    private String appQuery = "";
    private String tcUrl = "";
    private boolean connected;
    private boolean busy; // a publish or play is admitted or being decided
    private int nextStreamId = 1;
    private Publisher publisher;
    private int publishStreamId;
    private LiveStreams.Subscription subscription;
    private RtmpPlayerSink player;
    private EndReason closeReason = EndReason.DISCONNECTED;

    RtmpSession(RtmpConfig config, LiveStreams hub, RtmpGate gate, RtmpMetrics metrics) {
        this.config = config;
        this.hub = hub;
        this.gate = gate;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        metrics.rtmpConnection(1);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        metrics.rtmpConnection(-1);
        stopPublishing(closeReason);
        stopPlaying(player != null && player.endReason() == EndReason.SLOW ? EndReason.SLOW : closeReason);
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof HandshakeHandler.Done done) {
            metrics.handshake(done.digest());
        } else if (evt instanceof IdleStateEvent) {
            metrics.protocolError("idle_timeout");
            closeReason = EndReason.DISCONNECTED;
            ctx.close();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof IOException) {
            closeReason = EndReason.DISCONNECTED; // reset by the peer: a drop, not a protocol error
            log.debug("rtmp {} app {}: connection lost: {}", ctx.channel().remoteAddress(), app, c.getMessage());
            ctx.close();
            return;
        }
        closeReason = EndReason.ERROR;
        if (c instanceof RtmpException e) {
            metrics.protocolError(e.reason());
            log.debug("rtmp {} app {}: closing: {}", ctx.channel().remoteAddress(), app, e.getMessage());
        } else {
            metrics.protocolError("other");
            log.warn("rtmp {} app {}: closing after an unexpected error", ctx.channel().remoteAddress(), app, c);
        }
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof RtmpMessage m)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            switch (m.type()) {
                case RtmpMessage.AUDIO, RtmpMessage.VIDEO -> media(m);
                case RtmpMessage.COMMAND_AMF0 -> command(ctx, m);
                case RtmpMessage.DATA_AMF0 -> data(m);
                case RtmpMessage.USER_CONTROL -> userControl(ctx, m.content());
                default -> log.trace("rtmp {}: ignoring message type {}", ctx.channel().remoteAddress(), m.type());
            }
        } finally {
            m.release();
        }
    }

    private void media(RtmpMessage m) {
        if (publisher == null || m.streamId() != publishStreamId || !m.content().isReadable()) {
            return; // before the gate said yes, or on a stream not published: dropped
        }
        ByteBuf body = m.content().retain();
        if (m.type() == RtmpMessage.AUDIO) {
            publisher.audio(body, m.timestamp());
        } else {
            publisher.video(body, m.timestamp());
        }
    }

    private void data(RtmpMessage m) {
        ByteBuf p = m.content();
        List<Object> values = Amf0.decodeAll(p.duplicate());
        if (publisher == null || values.isEmpty()) {
            return;
        }
        int skip = 0;
        if ("@setDataFrame".equals(values.get(0))) {
            ByteBuf d = p.duplicate();
            Amf0.decode(d);
            skip = d.readerIndex() - p.readerIndex();
            values = values.subList(1, values.size());
        }
        if (values.size() >= 2 && "onMetaData".equals(values.get(0))) {
            publisher.push(MediaTag.metadata(p.retainedSlice(p.readerIndex() + skip, p.readableBytes() - skip)));
        }
    }

    private void userControl(ChannelHandlerContext ctx, ByteBuf p) {
        if (p.readableBytes() >= 6 && p.getUnsignedShort(p.readerIndex()) == RtmpMessages.UC_PING_REQUEST) {
            ctx.writeAndFlush(RtmpMessages.userControl(RtmpMessages.UC_PING_RESPONSE, p.getInt(p.readerIndex() + 2)));
        }
    }

    private void command(ChannelHandlerContext ctx, RtmpMessage m) {
        List<Object> v = Amf0.decodeAll(m.content().duplicate());
        if (v.isEmpty() || !(v.get(0) instanceof String name)) {
            throw new AmfException("command: no name (expected: a string first)");
        }
        double tx = v.size() > 1 && v.get(1) instanceof Double d ? d : 0;
        String arg = v.size() > 3 && v.get(3) instanceof String s ? s : null;
        switch (name) {
            case "connect" -> connect(ctx, tx, v.size() > 2 ? v.get(2) : null);
            case "createStream" -> ctx.writeAndFlush(RtmpMessages.command(0, "_result", tx, null, (double) nextStreamId++));
            case "releaseStream", "getStreamLength", "checkBandwidth", "_checkbw" -> {
                if (tx > 0) {
                    ctx.writeAndFlush(RtmpMessages.command(0, "_result", tx, null, name.equals("getStreamLength") ? 0.0 : Amf0.UNDEFINED));
                }
            }
            case "FCPublish" -> ctx.writeAndFlush(RtmpMessages.command(0, "onFCPublish", 0.0, null,
                    RtmpMessages.status("status", "NetStream.Publish.Start", String.valueOf(arg))));
            case "FCUnpublish" -> {
                ctx.writeAndFlush(RtmpMessages.command(0, "onFCUnpublish", 0.0, null,
                        RtmpMessages.status("status", "NetStream.Unpublish.Success", String.valueOf(arg))));
                stopPublishing(EndReason.CLOSED);
            }
            case "publish" -> publish(ctx, m.streamId(), arg);
            case "play" -> play(ctx, m.streamId(), arg);
            case "deleteStream", "closeStream" -> {
                stopPublishing(EndReason.CLOSED);
                stopPlaying(EndReason.CLOSED);
            }
            default -> log.debug("rtmp {} app {}: ignoring command {}", ctx.channel().remoteAddress(), app, name);
        }
    }

    private void connect(ChannelHandlerContext ctx, double tx, Object commandObject) {
        if (commandObject instanceof Map<?, ?> o) {
            String a = o.get("app") instanceof String s ? s : "";
            int q = a.indexOf('?');
            app = q < 0 ? a : a.substring(0, q);
            appQuery = q < 0 ? "" : a.substring(q + 1);
            app = app.endsWith("/") ? app.substring(0, app.length() - 1) : app;
            tcUrl = o.get("tcUrl") instanceof String s ? s : "";
        }
        connected = true;
        ctx.write(RtmpMessages.windowAckSize(config.ackWindow()));
        ctx.write(RtmpMessages.setPeerBandwidth(config.ackWindow()));
        ctx.write(RtmpMessages.setChunkSize(config.chunkSize()));
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("fmsVer", "FMS/3,0,1,123");
        props.put("capabilities", 31.0);
        Map<String, Object> info = RtmpMessages.status("status", "NetConnection.Connect.Success", "Connection succeeded.");
        info.put("objectEncoding", 0.0);
        ctx.writeAndFlush(RtmpMessages.command(0, "_result", tx, props, info));
    }

    private String[] nameAndQuery(String raw) {
        String s = raw == null ? "" : raw;
        int q = s.indexOf('?');
        return q < 0 ? new String[] {s, appQuery} : new String[] {s.substring(0, q), s.substring(q + 1)};
    }

    private void publish(ChannelHandlerContext ctx, int streamId, String raw) {
        if (!connected || busy) {
            refusePublish(ctx, streamId, Refusal.FORBIDDEN, connected ? "one publish or play per connection" : "not connected");
            return;
        }
        busy = true;
        String[] nq = nameAndQuery(raw);
        var req = new PublishRequest(app, nq[0], nq[1], tcUrl, remote(ctx));
        Gates.decide(ctx, config.gateTimeout(), () -> gate.authorizePublish(req), d -> {
            if (d instanceof Decision.Refused r) {
                refusePublish(ctx, streamId, r.code(), r.reason());
                return;
            }
            var a = (Decision.Accepted) d;
            Publisher p = hub.publish(a.key(), Form.RTMP, a.attachment(), req.remote(), () -> {
                closeReason = EndReason.KICKED;
                ctx.channel().close();
            });
            if (p == null) {
                refusePublish(ctx, streamId, Refusal.BUSY, a.key().streamId() + " is already being published");
                return;
            }
            if (!ctx.channel().isActive()) {
                p.end(EndReason.DISCONNECTED);
                return;
            }
            publisher = p;
            publishStreamId = streamId;
            ctx.write(RtmpMessages.userControl(RtmpMessages.UC_STREAM_BEGIN, streamId));
            ctx.writeAndFlush(RtmpMessages.onStatus(streamId, "status", "NetStream.Publish.Start", nq[0] + " is now published"));
            log.debug("rtmp {}: publishing {}", req.remote(), a.key());
        });
    }

    private void refusePublish(ChannelHandlerContext ctx, int streamId, Refusal code, String reason) {
        metrics.rtmpRefusal("publish", code);
        log.info("rtmp {} app {}: publish refused ({}): {}", remote(ctx), app, code.tag(), reason);
        ctx.writeAndFlush(RtmpMessages.onStatus(streamId, "error", "NetStream.Publish.BadName", reason))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void play(ChannelHandlerContext ctx, int streamId, String raw) {
        if (!connected || busy) {
            refusePlay(ctx, streamId, Refusal.FORBIDDEN, connected ? "one publish or play per connection" : "not connected");
            return;
        }
        busy = true;
        String[] nq = nameAndQuery(raw);
        var req = new PlayRequest(app, nq[0], nq[1], Form.RTMP, remote(ctx));
        Gates.decide(ctx, config.gateTimeout(), () -> gate.authorizePlay(req), d -> {
            if (d instanceof Decision.Refused r) {
                refusePlay(ctx, streamId, r.code(), r.reason());
                return;
            }
            var a = (Decision.Accepted) d;
            if (!a.waitForPublisher() && !hub.isLive(a.key())) {
                refusePlay(ctx, streamId, Refusal.NOT_FOUND, nq[0] + " is not live");
                return;
            }
            ctx.write(RtmpMessages.userControl(RtmpMessages.UC_STREAM_BEGIN, streamId));
            ctx.write(RtmpMessages.onStatus(streamId, "status", "NetStream.Play.Reset", "Playing and resetting " + nq[0]));
            ctx.write(RtmpMessages.onStatus(streamId, "status", "NetStream.Play.Start", "Started playing " + nq[0]));
            ctx.writeAndFlush(RtmpMessages.data(streamId, 0, "|RtmpSampleAccess", true, true));
            RtmpPlayerSink sink = new RtmpPlayerSink(ctx.channel(), streamId, nq[0], metrics,
                    config.slowPlayerTimeout().toNanos(), System::nanoTime);
            sink.bind(a.key(), a.attachment());
            LiveStreams.Subscription sub = hub.subscribe(a.key(), sink, a.waitForPublisher());
            if (sub == null) { // ended between the check and now
                refusePlay(ctx, streamId, Refusal.NOT_FOUND, nq[0] + " is not live");
                return;
            }
            player = sink;
            subscription = sub;
            if (!ctx.channel().isActive()) {
                stopPlaying(EndReason.DISCONNECTED);
            } else if (a.waitForPublisher()) {
                ctx.executor().schedule(() -> {
                    if (sink.claimUnstarted() && sub.close(EndReason.NOT_LIVE)) {
                        refusePlay(ctx, streamId, Refusal.NOT_FOUND, nq[0] + " did not go live in time");
                    }
                }, config.playWaitTimeout().toNanos(), TimeUnit.NANOSECONDS);
            }
        });
    }

    private void refusePlay(ChannelHandlerContext ctx, int streamId, Refusal code, String reason) {
        metrics.rtmpRefusal("play", code);
        log.info("rtmp {} app {}: play refused ({}): {}", remote(ctx), app, code.tag(), reason);
        String status = code == Refusal.NOT_FOUND ? "NetStream.Play.StreamNotFound" : "NetStream.Play.Failed";
        ctx.writeAndFlush(RtmpMessages.onStatus(streamId, "error", status, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    private void stopPublishing(EndReason reason) {
        if (publisher != null) {
            publisher.end(reason);
            publisher = null;
        }
    }

    private void stopPlaying(EndReason reason) {
        if (subscription != null) {
            subscription.close(reason);
            subscription = null;
        }
    }

    private static InetSocketAddress remote(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
    }
}
