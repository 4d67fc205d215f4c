package io.parley.server.room;

import java.util.List;

/** One room as the server API describes it, taken on the room's loop: members in login order, streams in order. */
public record RoomView(String roomId, List<MemberView> members, List<StreamView> streams) {
    /** A member: its user, and when it logged in (Unix ms). */
    public record MemberView(String userId, String userName, long loginTimeMillis) {}

    /** A stream in the room: its publisher (for AddStream's, the user named by the call) and when it came (Unix ms). */
    public record StreamView(String streamId, String userId, String userName, String extraInfo, long createTimeMillis) {}
}
