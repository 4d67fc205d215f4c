package io.parley.protocol.signal;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** The payloads of requests, responses and pushes (the "data" member of an envelope). See PROTOCOL.md. */
public final class Messages {
    private Messages() {}

    /** Request and push names on the wire. */
    public static final String LOGIN_ROOM = "loginRoom";
    public static final String LOGOUT_ROOM = "logoutRoom";
    public static final String START_PUBLISHING = "startPublishing";
    public static final String STOP_PUBLISHING = "stopPublishing";
    public static final String HEARTBEAT = "heartbeat";

    public static final String ROOM_STATE_CHANGED = "roomStateChanged";
    public static final String ROOM_USER_UPDATE = "roomUserUpdate";
    public static final String ROOM_STREAM_UPDATE = "roomStreamUpdate";

    public static final String ADD = "ADD";
    public static final String DELETE = "DELETE";

    // ---- requests ----

    public record LoginRoom(Long appID, String roomID, String token, User user, RoomConfig config) {}

    public record RoomConfig(Boolean userUpdate, Integer maxMemberCount) {}

    public record LogoutRoom(String roomID) {}

    public record StartPublishing(String streamID, String extraInfo) {}

    public record StopPublishing(String streamID) {}

    public record Heartbeat() {}

    // ---- responses ----

    public record LoginResult(String roomID, String sessionID, long heartbeatInterval, long heartbeatTimeout,
                              long tokenExpireTime) {}

    public record StreamResult(String streamID) {}

    public record HeartbeatResult(long serverTime) {}

    // ---- pushes ----

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record User(String userID, String userName) {}

    public record StreamInfo(String streamID, User user, String extraInfo) {}

    public record RoomStateChanged(String roomID, String reason, int errorCode, String extendedData) {}

    public record RoomUserUpdate(String roomID, String updateType, List<User> userList) {}

    public record RoomStreamUpdate(String roomID, String updateType, List<StreamInfo> streamList, String extendedData) {}

    /** Element of {@code stream_delete_reason} in a roomStreamUpdate DELETE's extendedData. */
    public record StreamDeleteReason(String stream_id, int code, String description) {}

    public record StreamDeleteExtended(List<StreamDeleteReason> stream_delete_reason) {}
}
