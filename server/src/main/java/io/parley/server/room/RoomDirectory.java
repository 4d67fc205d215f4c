package io.parley.server.room;

import io.parley.protocol.RoomId;
import java.util.concurrent.CompletionStage;

/**
 * Which node, and on it which event loop, hosts a room. The embedded directory ({@link EmbeddedRoomDirectory})
 * hosts every room here, pinned to a loop picked round-robin when the room opens; a cluster directory (Redis
 * leases) may answer with another node, whose room this node then reaches through a relay. Any thread.
 */
public interface RoomDirectory {
    /** Where a room lives: {@code room} is the open local room, or null when {@code node} (another node) hosts it. */
    record Placement(String node, Room room) {
        public boolean local() {
            return room != null;
        }
    }

    /**
     * The room's placement, opening it on this node when nobody hosts it. A local room it returns may still close
     * before a task reaches its loop: the caller checks on the loop and locates again (see {@code Room.join}).
     */
    CompletionStage<Placement> locate(long appId, RoomId room);

    /** The open local room, or null; never opens one (for reads such as snapshots). */
    Room find(long appId, RoomId room);

    /** The room closed with its last member; called on its loop. */
    void closed(Room room);
}
