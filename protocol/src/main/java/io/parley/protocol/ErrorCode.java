package io.parley.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Result codes on the wire. 0 is success; every other value is the ZEGO Express error code of the
 * same meaning (reference: zego-semantics.md §3), so apps written against ZEGO read them unchanged.
 */
public final class ErrorCode {
    private ErrorCode() {}

    private static final Map<Integer, String> NAMES = new LinkedHashMap<>();

    public static final int OK = def(0, "success");
    public static final int NOT_LOGGED_IN = def(1000002, "not logged in");
    public static final int STREAM_ID_TOO_LONG = def(1000014, "streamID too long");
    public static final int STREAM_ID_EMPTY = def(1000015, "streamID empty");
    public static final int STREAM_ID_ILLEGAL = def(1000016, "streamID has an illegal character");
    public static final int APP_ID_INVALID = def(1001004, "AppID unknown");
    public static final int ALREADY_IN_ROOM = def(1002001, "already logged in to a room");
    public static final int NOT_IN_THIS_ROOM = def(1002002, "not logged in to this roomID");
    public static final int USER_ID_EMPTY = def(1002005, "userID empty");
    public static final int USER_ID_ILLEGAL = def(1002006, "userID has an illegal character");
    public static final int USER_ID_TOO_LONG = def(1002007, "userID too long");
    public static final int USER_NAME_TOO_LONG = def(1002010, "userName too long");
    public static final int ROOM_ID_EMPTY = def(1002011, "roomID empty");
    public static final int ROOM_ID_ILLEGAL = def(1002012, "roomID has an illegal character");
    public static final int ROOM_ID_TOO_LONG = def(1002013, "roomID too long");
    public static final int ROOM_EXTRA_INFO_KEY_INVALID = def(1002015, "room extra info key empty or too long");
    public static final int ROOM_EXTRA_INFO_VALUE_TOO_LONG = def(1002016, "room extra info value too long");
    public static final int ROOM_EXTRA_INFO_TOO_MANY_KEYS = def(1002017, "room extra info: too many keys in the room");
    public static final int MULTI_ROOM_USER_MISMATCH = def(1002018, "multi-room: every room of a session needs the same userID and userName");
    /** Cluster mode: a login that needs the cluster store (Redis) while it is unreachable; retry later. */
    public static final int LOGIN_CLUSTER_UNAVAILABLE = def(1002030, "login failed: the cluster store is unavailable, retry");
    public static final int ROOM_FULL = def(1002034, "room member limit reached");
    public static final int TOO_MANY_ROOMS = def(1002035, "the App has too many rooms open on this server");
    public static final int MULTI_ROOM_DISABLED = def(1002036, "multi-room login is not enabled for this App");
    public static final int TOO_MANY_ROOMS_PER_SESSION = def(1002037, "multi-room: this session is in too many rooms");
    /** Cluster mode: a multi-room session's further room is hosted on another node than the session's. */
    public static final int MULTI_ROOM_OTHER_NODE = def(1002038, "multi-room: this room is hosted on another node of the cluster");
    /** Cluster mode: the node hosting the room could not be reached (or moved the room meanwhile); retry. */
    public static final int ROOM_NODE_UNAVAILABLE = def(1002039, "login failed: the node hosting this room cannot be reached, retry");
    public static final int KICKED_MULTIPLE_LOGIN = def(1002050, "kicked: the same userID logged in elsewhere");
    public static final int KICKED_BY_SERVER = def(1002055, "kicked by the server");
    public static final int ROOM_ALREADY_JOINED = def(1002064, "this session is already logged in to this roomID");
    public static final int LOGIN_FORBIDDEN = def(1002066, "login forbidden by a server rule (SetForbidUserRule)");
    public static final int LOGIN_RATE_LIMITED = def(1002071, "too many failed logins from this address or App: retry later");
    public static final int REQUEST_RATE_LIMITED = def(1002072, "too many requests on this connection: slow down");
    /** A login refused because the server is shutting down (drain). */
    public static final int SERVER_DRAINING = def(1002099, "room internal error (server draining or failed)");
    /** A request that failed inside the server: ZEGO's "room internal error", the same code as a drain refusal. */
    public static final int INTERNAL_ERROR = SERVER_DRAINING;
    public static final int TOO_MANY_STREAMS = def(1003023, "too many streams: per user or per room limit reached");
    public static final int PUBLISH_FORBIDDEN = def(1003025, "publishing forbidden (token privilege or stream_id_list; a server rule: SetForbidUserRule, ForbidRTCStream)");
    public static final int STREAM_ID_DUPLICATE = def(1003028, "streamID already published");
    /** Cluster mode: a publish that needs the cluster store (Redis) while it is unreachable; retry later. */
    public static final int PUBLISH_CLUSTER_UNAVAILABLE = def(1003099, "publish failed: the cluster store is unavailable, retry");
    public static final int EXTRA_INFO_TOO_LONG = def(1003051, "stream extraInfo too long");
    public static final int MESSAGE_EMPTY = def(1009001, "message empty");
    public static final int MESSAGE_TOO_LONG = def(1009002, "message too long");
    public static final int MESSAGE_SEND_FAILED = def(1009010, "message not delivered to this user (not in the room)");
    public static final int BROADCAST_RATE_LIMITED = def(1009015, "broadcast messages: more than the per-user rate");
    public static final int MESSAGE_RATE_LIMITED = def(1109001, "frequency limited: more than the room's or sender's rate");
    public static final int PUBLISH_SDP_REFUSED = def(1103001, "publish parameter error: SDP offer refused");
    public static final int PUBLISH_MEDIA_FAILED = def(1103028, "publish media failed: ICE, DTLS or consent timeout");
    public static final int PLAY_SDP_REFUSED = def(1104001, "play parameter error: SDP offer refused");
    public static final int PLAY_MEDIA_FAILED = def(1104028, "play media failed: ICE, DTLS or consent timeout");
    public static final int ALREADY_PLAYING = def(1104032, "already playing this stream");
    public static final int PARAMETER_ERROR = def(1100001, "parameter error");
    public static final int HEARTBEAT_TIMEOUT = def(1102001, "heartbeat timeout");
    public static final int DATA_FORMAT_ERROR = def(1102011, "data format error (JSON, type or field)");
    public static final int LOGIN_IN_PROGRESS = def(1102012, "login in progress");
    public static final int TOKEN_INVALID = def(1102016, "token invalid (format, signature, or claims)");
    public static final int TOKEN_EXPIRED = def(1102018, "token expired");
    public static final int PUBLISH_STREAM_NOT_FOUND = def(1103055, "publish stream not found");
    public static final int ALREADY_PUBLISHING = def(1103056, "already publishing this streamID");
    public static final int PLAY_STREAM_NOT_FOUND = def(1104039, "play stream not found");

    // ---- resume after a dropped connection (PROTOCOL.md) ----
    /** Client side: the connection broke, the client is reconnecting (RECONNECTING). */
    public static final int NETWORK_BROKEN = def(1000017, "network broken: reconnecting");
    /** Client side: no resume (or fresh login) succeeded within the client's retry window (RECONNECT_FAILED). */
    public static final int RECONNECT_TIMEOUT = def(1002053, "reconnect retry time exceeded");
    /** resumeSession: pushes the client missed are no longer held (replay buffer overflow): log in again. */
    public static final int RESUME_GAP = def(1102015, "resume refused: missed pushes are no longer held; log in again");

    private static int def(int code, String meaning) {
        NAMES.put(code, meaning);
        return code;
    }

    /** Every code Parley sends, with its meaning, in a stable order (used by docs and tests). */
    public static Map<Integer, String> all() {
        return Collections.unmodifiableMap(NAMES);
    }

    public static String meaning(int code) {
        return NAMES.getOrDefault(code, "unknown");
    }
}
