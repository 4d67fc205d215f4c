package io.parley.server.cluster;

import io.parley.server.room.RoomEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jepsen-style check over the history the nodes recorded (every node's room events, ordered by one monotonic
 * clock): walking it in order, no userID is ever a member of two rooms at once anywhere in the cluster, and no
 * streamID is ever live twice. Returns the violations, each with the events that caused it.
 */
final class UniquenessHistory {
    private UniquenessHistory() {}

    static List<String> violations(List<ClusterRig.Happened> history) {
        List<String> out = new ArrayList<>();
        Map<String, ClusterRig.Happened> liveUsers = new HashMap<>();
        Map<String, ClusterRig.Happened> liveStreams = new HashMap<>();
        for (ClusterRig.Happened h : history) {
            RoomEvent e = h.event();
            if (e instanceof RoomEvent.UserJoined j) {
                ClusterRig.Happened before = liveUsers.put(e.appId() + "/" + j.user().value(), h);
                if (before != null) {
                    out.add("userID " + j.user() + " joined on " + h.node() + " at " + h.nanos() + " while still a member on "
                            + before.node() + " since " + before.nanos());
                }
            } else if (e instanceof RoomEvent.UserLeft l) {
                String k = e.appId() + "/" + l.user().value();
                ClusterRig.Happened before = liveUsers.get(k);
                if (before != null && before.node().equals(h.node()) && before.event().room().equals(e.room())) {
                    liveUsers.remove(k);
                }
            } else if (e instanceof RoomEvent.StreamCreated c) {
                ClusterRig.Happened before = liveStreams.put(e.appId() + "/" + c.stream().value(), h);
                if (before != null) {
                    out.add("streamID " + c.stream() + " created on " + h.node() + " at " + h.nanos() + " while live on "
                            + before.node() + " since " + before.nanos());
                }
            } else if (e instanceof RoomEvent.StreamClosed c) {
                String k = e.appId() + "/" + c.stream().value();
                ClusterRig.Happened before = liveStreams.get(k);
                if (before != null && before.node().equals(h.node())) {
                    liveStreams.remove(k);
                }
            }
        }
        return out;
    }

    /** The history, one event a line, for a failure message. */
    static String dump(List<ClusterRig.Happened> history) {
        StringBuilder b = new StringBuilder("history:\n");
        for (ClusterRig.Happened h : history) {
            b.append(h.nanos()).append(' ').append(h.node()).append(' ').append(h.event()).append('\n');
        }
        return b.toString();
    }
}
