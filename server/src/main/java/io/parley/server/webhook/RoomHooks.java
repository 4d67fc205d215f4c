package io.parley.server.webhook;

import io.parley.protocol.signal.StreamDeleteCode;
import io.parley.server.room.LeaveReason;
import java.util.HashMap;
import java.util.Map;

/**
 * What the webhooks of one room lifecycle need to remember between its events (session IDs, login times, stream
 * sequence numbers, why the last member left). Touched only on the room's loop, in the room's event order.
 */
final class RoomHooks {
    record Login(String sessionId, String name, long loginTimeMillis) {}

    record Stream(String sid, long seq, long createTimeMillis) {}

    final long roomSessionId;
    final long createTimeMillis;
    boolean createPending = true;
    long userUpdateSeq;
    long streamSeq;
    LeaveReason lastLeave;
    /** CloseRoom is emptying the room; {@code closeCallback} is its RoomCloseCallback. */
    boolean closing;
    boolean closeCallback;
    final Map<String, Login> logins = new HashMap<>();
    final Map<String, Stream> streams = new HashMap<>();
    final Map<String, Long> recentlyClosed = new HashMap<>();

    RoomHooks(long roomSessionId, long createTimeMillis) {
        this.roomSessionId = roomSessionId;
        this.createTimeMillis = createTimeMillis;
    }

    /** room_logout.reason: 0 normal, 1 heartbeat timeout, 2 disconnect, 3 kicked (re-login, KickoutUser), 4 token expired. */
    static int logoutReason(LeaveReason r) {
        return switch (r) {
            case LOGOUT -> 0;
            case HEARTBEAT_TIMEOUT -> 1;
            case CONNECTION_CLOSED -> 2;
            case KICKED_MULTIPLE_LOGIN, KICKED_BY_SERVER, ROOM_CLOSED, SERVER_SHUTDOWN -> 3;
            case TOKEN_EXPIRED -> 4;
        };
    }

    /** room_close.close_reason: 0 normal, 1 last user heartbeat timeout, 2 last user offline, 3 last user kicked. */
    static int closeReason(LeaveReason last) {
        if (last == null) {
            return 0;
        }
        return switch (last) {
            case LOGOUT -> 0;
            case HEARTBEAT_TIMEOUT -> 1;
            case CONNECTION_CLOSED -> 2;
            case KICKED_MULTIPLE_LOGIN, KICKED_BY_SERVER, ROOM_CLOSED, SERVER_SHUTDOWN, TOKEN_EXPIRED -> 3;
        };
    }

    /** stream_close.type: 0 stop, 1 heartbeat timeout, 2 repeat login, 3 kickout, 4 disconnect, 5 room cleared, 100 DeleteStream. */
    int closeType(StreamDeleteCode code) {
        if (closing) {
            return 5;
        }
        return switch (code) {
            case STOP_PUBLISHING -> 0;
            case HEARTBEAT_TIMEOUT -> 1;
            case REPEAT_LOGIN -> 2;
            case KICKED_OUT -> 3;
            case USER_OFFLINE -> 4;
            case REMOVED_BY_SERVER -> 100;
        };
    }
}
