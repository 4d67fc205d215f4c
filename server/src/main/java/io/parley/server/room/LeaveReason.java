package io.parley.server.room;

import io.parley.protocol.signal.StreamDeleteCode;

/** Why a member left its room; its streams are deleted with {@link #streamDelete}. */
public enum LeaveReason {
    /** logoutRoom. */
    LOGOUT(StreamDeleteCode.STOP_PUBLISHING),
    /** The same userID logged in elsewhere. */
    KICKED_MULTIPLE_LOGIN(StreamDeleteCode.REPEAT_LOGIN),
    /** Kicked by the operator. */
    KICKED_BY_SERVER(StreamDeleteCode.KICKED_OUT),
    /** In a room the server API closed (CloseRoom). */
    ROOM_CLOSED(StreamDeleteCode.KICKED_OUT),
    /** Still present when the drain deadline passed. */
    SERVER_SHUTDOWN(StreamDeleteCode.KICKED_OUT),
    /** Its login token expired unrenewed (App kickOnTokenExpiry). */
    TOKEN_EXPIRED(StreamDeleteCode.KICKED_OUT),
    /** Silent past the heartbeat timeout. */
    HEARTBEAT_TIMEOUT(StreamDeleteCode.HEARTBEAT_TIMEOUT),
    /** The client closed its connection without logging out. */
    CONNECTION_CLOSED(StreamDeleteCode.USER_OFFLINE);

    public final StreamDeleteCode streamDelete;

    LeaveReason(StreamDeleteCode streamDelete) {
        this.streamDelete = streamDelete;
    }
}
