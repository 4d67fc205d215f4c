package io.parley.server.cluster;

import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;

/**
 * The names of everything Parley keeps in Redis (docs/cluster.md lists them). An owner is
 * {@code nodeId/incarnation/holder}: the incarnation (random per process) tells a restarted node's claims from its
 * previous life's.
 */
record ClusterKeys(String node, String incarnation) {
    static final String PREFIX = "parley:";

    String owner(String holder) {
        return node + "/" + incarnation + "/" + holder;
    }

    /** The owner names a holder of this very process. */
    boolean mine(String owner) {
        return owner.startsWith(node + "/" + incarnation + "/");
    }

    static String nodeOf(String owner) {
        int i = owner.indexOf('/');
        return i < 0 ? owner : owner.substring(0, i);
    }

    String user(long appId, UserId user) {
        return PREFIX + appId + ":user:" + user.value();
    }

    String stream(long appId, StreamId stream) {
        return PREFIX + appId + ":stream:" + stream.value();
    }

    /** The owner of a room placement: this node incarnation itself (the room is not one session's). */
    String roomOwner() {
        return node + "/" + incarnation;
    }

    String room(long appId, io.parley.protocol.RoomId room) {
        return PREFIX + appId + ":room:" + room.value();
    }

    static String nodeKey(String node) {
        return PREFIX + "node:" + node;
    }

    /** The pub/sub channel a node listens on: kicks for its sessions, answers to its requests. */
    static String channel(String node) {
        return PREFIX + "bus:" + node;
    }
}
