package io.parley.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.signal.Envelope;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomService;
import io.parley.server.room.Session;
import io.parley.server.room.Stages;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per WebSocket: turns JSON text frames into requests for the session; anything else closes with a status. At
 * the upgrade it installs the connection's {@link WsGuard} (rate limit, liveness), retires the HTTP request deadline
 * and starts the login deadline ({@code gateway.loginTimeout}: a socket that has not sent a valid loginRoom by then
 * is closed with 1008; heartbeats do not extend it).
 */
final class SignalFrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(SignalFrameHandler.class);

    private final RoomService rooms;
    private final RequestDispatcher dispatcher;
    private final GatewayEvents events;
    private final ParleyConfig.Gateway limits;
    private Session session;
    /** This socket's connection; after a resumeSession it carries that session instead of the one it opened with. */
    private WsConnection connection;
    private boolean closedByClient;
    private ScheduledFuture<?> loginDeadline;
    /** Cluster mode: routes the first request, and relays the session when it belongs on another node; else null. */
    private final RelayStart relay;
    /** Frames that arrived while the first request was being routed (handled in order once it is). */
    private ArrayDeque<TextWebSocketFrame> held;

    SignalFrameHandler(RoomService rooms, RequestDispatcher dispatcher, GatewayEvents events) {
        this(rooms, dispatcher, events, ParleyConfig.Gateway.DEFAULTS);
    }

    SignalFrameHandler(RoomService rooms, RequestDispatcher dispatcher, GatewayEvents events, ParleyConfig.Gateway limits) {
        this(rooms, dispatcher, events, limits, null);
    }

    SignalFrameHandler(RoomService rooms, RequestDispatcher dispatcher, GatewayEvents events, ParleyConfig.Gateway limits,
                       RelayRouter router) {
        this.rooms = rooms;
        this.dispatcher = dispatcher;
        this.events = events;
        this.limits = limits;
        this.relay = router == null ? null : new RelayStart(router, limits);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            connection = new WsConnection(ctx.channel(), events, limits.closeTimeout().toNanos());
            Session s = rooms.open(ctx.channel().eventLoop(), connection);
            session = s;
            events.connectionOpened();
            ChannelPipeline p = ctx.pipeline();
            if (p.get(PipelineNames.HTTP_DEADLINE) != null) {
                p.remove(PipelineNames.HTTP_DEADLINE);
            }
            if (p.get(PipelineNames.WS_PROTOCOL) != null && p.get(PipelineNames.WS_GUARD) == null) {
                p.addBefore(PipelineNames.WS_PROTOCOL, PipelineNames.WS_GUARD,
                        new WsGuard(this::touch, limits, events, System::nanoTime));
            }
            OutboundGuard guard = OutboundGuard.of(ctx.channel());
            if (guard != null) {
                guard.upgraded();
            }
            loginDeadline = ctx.executor().schedule(() -> loginDeadline(ctx), limits.loginTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        super.userEventTriggered(ctx, evt);
    }

    /** A sign of life for the session this socket carries (not for one a later resume took elsewhere). */
    private void touch() {
        Session s = session;
        if (s != null && s.carriedBy(connection)) {
            s.touch();
        }
    }

    private void loginDeadline(ChannelHandlerContext ctx) {
        loginDeadline = null;
        if (session.userId() == null && session.state() == Session.State.NEW && ctx.channel().isActive()) {
            log.info("closing {}: no loginRoom within {}", session, limits.loginTimeout());
            events.connectionEnded(GatewayEvents.End.LOGIN_TIMEOUT);
            close(ctx, OutboundGuard.POLICY_VIOLATION, "login timeout: no loginRoom within "
                    + limits.loginTimeout().toMillis() + " ms (expected: loginRoom first)");
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame text) {
            events.frameIn();
            if (held != null) {
                hold(ctx, text);
                return;
            }
            if (!session.carriedBy(connection)) {
                return; // a later resume took the session to another connection; this one is being closed
            }
            session.touch();
            onText(ctx, text);
        } else if (frame instanceof BinaryWebSocketFrame) {
            events.frameIn();
            close(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE.code(), "binary frames are not accepted (expected: JSON text)");
        } else if (frame instanceof CloseWebSocketFrame close) {
            closedByClient = true;
            close(ctx, close.statusCode() < 0 ? 1000 : close.statusCode(), "");
            if (session != null && session.carriedBy(connection)) {
                rooms.connectionClosed(session);
            }
        } else if (frame instanceof PingWebSocketFrame || frame instanceof PongWebSocketFrame) {
            touch();
        }
    }

    private void onText(ChannelHandlerContext ctx, TextWebSocketFrame text) {
        Envelope env;
        try {
            env = SignalCodec.parseRequest(new ByteBufInputStream(text.content().duplicate())) /* the frame may be relayed as is */;
        } catch (ProtocolException e) {
            events.requestFailed("invalid", e.code());
            session.respond(new WireRequest((JsonNode) e.requestId()), null, e.code(), e.getMessage(), null);
            return;
        }
        // A session another node relayed here stays here (that node routed it already).
        if (relay != null && session.state() == Session.State.NEW && session.userId() == null && !rooms.draining()
                && ctx.channel().attr(RelayAuth.CLIENT_ADDRESS).get() == null) {
            CompletionStage<RelayRouter.Peer> route = relay.route(rooms, env);
            if (route != null) {
                // Decided by the cluster: until then this socket reads nothing more (what was read waits in order).
                held = new ArrayDeque<>();
                ctx.channel().config().setAutoRead(false);
                TextWebSocketFrame first = text.retain();
                route.whenComplete((peer, err) -> ctx.executor().execute(() -> routed(ctx, env, first, peer, err, false)));
                return;
            }
        }
        handle(env);
    }

    private void handle(Envelope env) {
        try {
            if (Messages.RESUME_SESSION.equals(env.type()) && session.userId() == null) {
                resume(env);
                return;
            }
            dispatcher.dispatch(session, env);
        } catch (ProtocolException e) {
            events.requestFailed(env.type(), e.code());
            session.respond(new WireRequest(env.id()), env.type(), e.code(), e.getMessage(), null);
        } catch (RuntimeException e) {
            log.error("request {} failed on {}", env.type(), session, e);
            events.requestFailed(env.type(), ErrorCode.INTERNAL_ERROR);
            session.respond(new WireRequest(env.id()), env.type(), ErrorCode.INTERNAL_ERROR,
                    "internal error: " + e.getClass().getSimpleName(), null);
        }
    }

    /** At most this many frames wait while the first request is routed (a client waits for its loginRoom answer). */
    private static final int MAX_HELD_FRAMES = 16;

    private void hold(ChannelHandlerContext ctx, TextWebSocketFrame text) {
        if (held.size() >= MAX_HELD_FRAMES) {
            close(ctx, OutboundGuard.POLICY_VIOLATION, "more than " + MAX_HELD_FRAMES
                    + " requests before the loginRoom was answered (expected: wait for its answer)");
            return;
        }
        held.add(text.retain());
    }

    /** The first request's route is known: handled here, relayed to {@code peer}, or refused. On the channel's loop. */
    private void routed(ChannelHandlerContext ctx, Envelope env, TextWebSocketFrame first, RelayRouter.Peer peer,
                        Throwable err, boolean retried) {
        if (!ctx.channel().isActive()) {
            first.release();
            releaseHeld();
            return;
        }
        if (err == null && peer != null) {
            relay.start(ctx.channel(), peer).whenComplete((ch, e) -> ctx.executor().execute(() -> {
                if (e == null) {
                    relayed(ctx, ch, first, peer);
                } else if (!retried && Messages.LOGIN_ROOM.equals(env.type()) && Stages.unwrap(e) instanceof SignalRelay.Failed f
                        && f.refused) {
                    // Nothing listens where the room's node was: it is gone; take its room over (or follow whoever did).
                    log.warn("relay to node {} at {}:{} failed for {}: {}", peer.node(), peer.host(), peer.port(), session,
                            f.getMessage());
                    relay.unreachable(rooms, env, peer).whenComplete((p2, e2) -> ctx.executor().execute(
                            () -> routed(ctx, env, first, p2, e2, true)));
                } else {
                    log.warn("relay to node {} at {}:{} failed for {}: {}", peer.node(), peer.host(), peer.port(), session,
                            Stages.unwrap(e).getMessage());
                    refuse(ctx, env, first, ErrorCode.ROOM_NODE_UNAVAILABLE, "the node hosting this room (" + peer.node()
                            + ") cannot take this session now: " + Stages.unwrap(e).getMessage() + ": retry");
                }
            }));
            return;
        }
        if (err != null) {
            Throwable cause = Stages.unwrap(err);
            if (cause instanceof ProtocolException p) {
                refuse(ctx, env, first, p.code(), p.getMessage());
            } else {
                log.warn("routing {} of {} failed", env.type(), session, cause);
                refuse(ctx, env, first, ErrorCode.LOGIN_CLUSTER_UNAVAILABLE, "the cluster store (Redis) did not answer ("
                        + cause.getMessage() + "): retry later");
            }
            return;
        }
        first.release();
        handle(env);
        resumeReading(ctx);
    }

    /** The first request is answered with {@code code}; the socket stays, and reads again. */
    private void refuse(ChannelHandlerContext ctx, Envelope env, TextWebSocketFrame first, int code, String message) {
        first.release();
        events.requestFailed(env.type(), code);
        if (Messages.LOGIN_ROOM.equals(env.type())) {
            rooms.refuseLogin(session, new WireRequest(env.id()), RelayStart.roomOf(env), code, "login failed: " + message);
        } else {
            session.respond(new WireRequest(env.id()), env.type(), code, message, null);
        }
        resumeReading(ctx);
    }

    /** Handles, in order, what arrived while routing, then reads again. */
    private void resumeReading(ChannelHandlerContext ctx) {
        ArrayDeque<TextWebSocketFrame> q = held;
        held = null;
        while (q != null && !q.isEmpty()) {
            TextWebSocketFrame f = q.poll();
            try {
                if (ctx.channel().isActive() && session.carriedBy(connection) && held == null) {
                    session.touch();
                    onText(ctx, f);
                } else if (held != null) {
                    held.add(f.retain()); // a request routed again (a loginRoom after a refusal): keep the order
                }
            } finally {
                f.release();
            }
        }
        if (held == null) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The room's node took the session: from now on this socket's frames go there and back, unchanged. */
    private void relayed(ChannelHandlerContext ctx, Channel peer, TextWebSocketFrame first, RelayRouter.Peer to) {
        if (!ctx.channel().isActive()) {
            first.release();
            releaseHeld();
            peer.close();
            return;
        }
        log.debug("{} relayed to node {} at {}:{}", session, to.node(), to.host(), to.port());
        rooms.handOff(session);
        if (loginDeadline != null) {
            loginDeadline.cancel(false); // the room node keeps its own
            loginDeadline = null;
        }
        events.relayed();
        peer.write(first).addListener(f -> {
            if (!f.isSuccess()) {
                log.warn("relay write failed", f.cause());
            }
        });
        ArrayDeque<TextWebSocketFrame> q = held;
        held = null;
        while (q != null && !q.isEmpty()) {
            peer.write(q.poll());
        }
        peer.flush();
        session = null; // nothing of this node's registry is left for this socket
        SignalRelay.pipe(ctx.channel(), peer, limits.closeTimeout().toNanos());
    }

    private void releaseHeld() {
        ArrayDeque<TextWebSocketFrame> q = held;
        held = null;
        while (q != null && !q.isEmpty()) {
            q.poll().release();
        }
    }

    /** resumeSession: on success this socket carries the resumed session from now on (no login deadline). */
    private void resume(Envelope env) {
        Session resumed = rooms.resume(session, new WireRequest(env.id()),
                SignalCodec.bind(env, Messages.ResumeSession.class));
        session = resumed;
        if (loginDeadline != null) {
            loginDeadline.cancel(false);
            loginDeadline = null;
        }
        events.request(env.type());
    }

    private void close(ChannelHandlerContext ctx, int status, String reason) {
        OutboundGuard.closeWebSocket(ctx.channel(), status, reason, limits.closeTimeout().toNanos());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (loginDeadline != null) {
            loginDeadline.cancel(false);
        }
        if (session != null) {
            events.connectionClosed();
            if (!closedByClient) {
                rooms.connectionLost(session, connection);
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            close(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), "message too big: " + cause.getMessage());
        } else if (cause instanceof CorruptedWebSocketFrameException c) {
            // The decoder already sent its close status (1002/1007/1009); make sure the socket goes.
            log.debug("corrupted frame on {}: {}", session, c.getMessage());
            if (ctx.channel().isActive()) {
                close(ctx, c.closeStatus().code(), c.closeStatus().reasonText());
            }
        } else if (cause instanceof IOException) {
            log.debug("I/O error on {}: {}", session, cause.toString());
            ctx.close();
        } else {
            log.warn("unexpected error on {}", session, cause);
            close(ctx, WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "internal error");
        }
    }
}
