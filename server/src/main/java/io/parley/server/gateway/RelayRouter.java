package io.parley.server.gateway;

import io.parley.protocol.RoomId;
import io.parley.protocol.UserId;
import java.util.concurrent.CompletionStage;

/**
 * Cluster mode: which node a new WebSocket session belongs on, decided from its first request (loginRoom: the room's
 * placement; resumeSession: the node holding the session). A session that belongs elsewhere is relayed there whole
 * ({@link SignalRelay}). Any thread; stages may complete on any thread.
 */
public interface RelayRouter {
    /** Another node's gateway; {@code placement} is the room lease seen ({@code epoch#owner}), or null. */
    record Peer(String node, String host, int port, String placement) {}

    /** This node's id in the cluster (sent along with a relayed session). */
    String nodeId();

    /** The signer of the client address a relayed session carries. */
    RelayAuth auth();

    /** Where {@code room}'s members are served: null = here (placing the room when nobody hosts it). */
    CompletionStage<Peer> routeLogin(long appId, RoomId room);

    /** Where the session named by a resumeSession lives: null = here (or nowhere: the local resume answers). */
    CompletionStage<Peer> routeResume(long appId, UserId user, String sessionId);

    /**
     * {@code dead} refused the connection (no process listens there): takes {@code room} over when its lease still names
     * that node, and completes with the room's route from now on.
     */
    CompletionStage<Peer> unreachable(long appId, RoomId room, Peer dead);
}
