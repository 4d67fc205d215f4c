package io.parley.server.gateway;

import io.netty.channel.Channel;
import io.parley.protocol.RoomId;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.Envelope;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Which first requests a cluster routes (a well-formed loginRoom or resumeSession of a configured App; anything else
 * is answered here, exactly as on one node) and how a relay to another node starts.
 */
final class RelayStart {
    private final RelayRouter router;
    private final ParleyConfig.Gateway limits;

    RelayStart(RelayRouter router, ParleyConfig.Gateway limits) {
        this.router = router;
        this.limits = limits;
    }

    /** The route of a first request, or null when it is not one to route (then it is handled here). */
    CompletionStage<RelayRouter.Peer> route(RoomService rooms, Envelope env) {
        try {
            if (Messages.LOGIN_ROOM.equals(env.type())) {
                Messages.LoginRoom req = SignalCodec.bind(env, Messages.LoginRoom.class);
                if (req.appID() == null || rooms.app(req.appID()) == null || req.roomID() == null) {
                    return null;
                }
                return router.routeLogin(req.appID(), new RoomId(req.roomID()));
            }
            if (Messages.RESUME_SESSION.equals(env.type())) {
                Messages.ResumeSession req = SignalCodec.bind(env, Messages.ResumeSession.class);
                if (req.appID() == null || rooms.app(req.appID()) == null || req.userID() == null || req.sessionID() == null) {
                    return null;
                }
                return router.routeResume(req.appID(), new UserId(req.userID()), req.sessionID());
            }
        } catch (RuntimeException e) {
            return null; // malformed: the local handler answers with the precise code
        }
        return null;
    }

    /** A login's room whose node refused connections: see {@link RelayRouter#unreachable}. */
    CompletionStage<RelayRouter.Peer> unreachable(RoomService rooms, Envelope env, RelayRouter.Peer dead) {
        Messages.LoginRoom req = SignalCodec.bind(env, Messages.LoginRoom.class);
        return router.unreachable(req.appID(), new RoomId(req.roomID()), dead);
    }

    /** Opens the relay of {@code client}'s session to {@code peer}, signed with the client's address. */
    CompletableFuture<Channel> start(Channel client, RelayRouter.Peer peer) {
        InetAddress addr = client.attr(RelayAuth.CLIENT_ADDRESS).get();
        if (addr == null && client.remoteAddress() instanceof InetSocketAddress a) {
            addr = a.getAddress();
        }
        if (addr == null) {
            return CompletableFuture.failedFuture(new SignalRelay.Failed("the client's address is unknown", false, null));
        }
        return SignalRelay.connect(client, peer, router.auth().sign(addr, router.nodeId()), limits);
    }

    /** The roomID a loginRoom names ('' when it names none), for its roomStateChanged. */
    static String roomOf(Envelope env) {
        try {
            Messages.LoginRoom req = SignalCodec.bind(env, Messages.LoginRoom.class);
            return req.roomID() == null ? "" : req.roomID();
        } catch (RuntimeException e) {
            return "";
        }
    }
}
