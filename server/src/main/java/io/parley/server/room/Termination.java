package io.parley.server.room;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.StreamDeleteCode;

/** Why a session ended: what its streams' DELETE carries, and whether it is told KICKOUT. */
public enum Termination {
    /** The same userID logged in elsewhere; the later login wins. */
    KICKED_MULTIPLE_LOGIN(StreamDeleteCode.REPEAT_LOGIN, ErrorCode.KICKED_MULTIPLE_LOGIN, true),
    /** Kicked by the operator (server API, drain). */
    KICKED_BY_SERVER(StreamDeleteCode.KICKED_OUT, ErrorCode.KICKED_BY_SERVER, true),
    /** In a room the server API closed (CloseRoom); extendedData says room_closed. */
    ROOM_CLOSED(StreamDeleteCode.KICKED_OUT, ErrorCode.KICKED_BY_SERVER, true),
    /** Still in a room when the drain deadline passed (SIGTERM); extendedData says server_shutdown. */
    SERVER_SHUTDOWN(StreamDeleteCode.KICKED_OUT, ErrorCode.KICKED_BY_SERVER, true),
    /** Its login token expired unrenewed, in an App with kickOnTokenExpiry. */
    TOKEN_EXPIRED(StreamDeleteCode.KICKED_OUT, ErrorCode.TOKEN_EXPIRED, true),
    /** Silent past the heartbeat timeout (also: a dropped connection that did not come back in time). */
    HEARTBEAT_TIMEOUT(StreamDeleteCode.HEARTBEAT_TIMEOUT, ErrorCode.HEARTBEAT_TIMEOUT, false),
    /** The client closed its WebSocket without logging out. */
    CONNECTION_CLOSED(StreamDeleteCode.USER_OFFLINE, 0, false);

    final StreamDeleteCode streamDelete;
    final int code;
    final boolean pushKickout;

    /** The RoomEvent's reason for a member that leaves this way (same name). */
    LeaveReason leaveReason() {
        return LeaveReason.valueOf(name());
    }

    Termination(StreamDeleteCode streamDelete, int code, boolean pushKickout) {
        this.streamDelete = streamDelete;
        this.code = code;
        this.pushKickout = pushKickout;
    }
}
