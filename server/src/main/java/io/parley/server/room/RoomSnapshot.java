package io.parley.server.room;

import java.util.List;

/** A consistent view of one room taken on its loop: member userIDs and streamIDs in room order. */
public record RoomSnapshot(String roomId, List<String> userIds, List<String> streamIds) {
    public static RoomSnapshot empty(String roomId) {
        return new RoomSnapshot(roomId, List.of(), List.of());
    }
}
