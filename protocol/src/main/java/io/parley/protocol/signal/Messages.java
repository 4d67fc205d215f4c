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
    public static final String START_PLAYING = "startPlaying";
    public static final String STOP_PLAYING = "stopPlaying";
    /** Takes a dropped session back on a new connection (PROTOCOL.md, "Resume after a dropped connection"). */
    public static final String RESUME_SESSION = "resumeSession";

    public static final String ROOM_STATE_CHANGED = "roomStateChanged";
    public static final String ROOM_USER_UPDATE = "roomUserUpdate";
    public static final String ROOM_STREAM_UPDATE = "roomStreamUpdate";
    public static final String PUBLISHER_STATE_UPDATE = "publisherStateUpdate";
    public static final String PLAYER_STATE_UPDATE = "playerStateUpdate";
    public static final String PUBLISH_QUALITY_UPDATE = "publishQualityUpdate";
    public static final String PLAY_QUALITY_UPDATE = "playQualityUpdate";
    public static final String SERVER_DRAINING = "serverDraining";

    // Room features beyond login, publish and play (PROTOCOL.md: "Tokens over time", "Extra info and messages").
    public static final String RENEW_TOKEN = "renewToken";
    public static final String SET_ROOM_EXTRA_INFO = "setRoomExtraInfo";
    public static final String SET_STREAM_EXTRA_INFO = "setStreamExtraInfo";
    public static final String SEND_BROADCAST_MESSAGE = "sendBroadcastMessage";
    public static final String SEND_BARRAGE_MESSAGE = "sendBarrageMessage";
    public static final String SEND_CUSTOM_COMMAND = "sendCustomCommand";
    public static final String MUTE_PUBLISH_STREAM_AUDIO = "mutePublishStreamAudio";

    public static final String TOKEN_WILL_EXPIRE = "tokenWillExpire";
    public static final String ROOM_EXTRA_INFO_UPDATE = "roomExtraInfoUpdate";
    public static final String STREAM_EXTRA_INFO_UPDATE = "streamExtraInfoUpdate";
    public static final String IM_RECV_BROADCAST_MESSAGE = "IMRecvBroadcastMessage";
    public static final String IM_RECV_BARRAGE_MESSAGE = "IMRecvBarrageMessage";
    public static final String IM_RECV_CUSTOM_COMMAND = "IMRecvCustomCommand";
    public static final String ROOM_ONLINE_USER_COUNT_UPDATE = "roomOnlineUserCountUpdate";
    public static final String REMOTE_MIC_STATUS_UPDATE = "remoteMicStatusUpdate";

    public static final String OPEN = "OPEN";
    public static final String MUTE = "MUTE";

    public static final String ADD = "ADD";
    public static final String DELETE = "DELETE";

    // ---- requests ----

    public record LoginRoom(Long appID, String roomID, String token, User user, RoomConfig config) {}

    /** {@code multiRoom}: this session may be in several rooms at once (the App must allow it; PROTOCOL.md "Multi-room"). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RoomConfig(Boolean userUpdate, Integer maxMemberCount, Boolean multiRoom) {
        public RoomConfig(Boolean userUpdate, Integer maxMemberCount) {
            this(userUpdate, maxMemberCount, null);
        }
    }

    public record LogoutRoom(String roomID) {}

    /** {@code sdp}: a WebRTC offer (audio, sendonly) to publish media; absent = announce the stream only. */
    /** {@code transport}: {@link #WEBRTC} (null means it), {@link #RTMP}; see PROTOCOL.md. */
    /** {@code roomID}: optional, needed only by a session in several rooms (multi-room). */
    /**
     * {@code mid}: with {@code sdp}, the offer is the client's whole session description (BUNDLE) and {@code mid}
     * names the m= section that carries this stream on the session's one transport; absent = a transport of its own.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StartPublishing(String streamID, String extraInfo, String sdp, String transport, String roomID,
            String mid) {
        public StartPublishing(String streamID, String extraInfo, String sdp, String transport, String roomID) {
            this(streamID, extraInfo, sdp, transport, roomID, null);
        }

        public StartPublishing(String streamID, String extraInfo) {
            this(streamID, extraInfo, null, null, null, null);
        }

        public StartPublishing(String streamID, String extraInfo, String sdp) {
            this(streamID, extraInfo, sdp, null, null, null);
        }

        public StartPublishing(String streamID, String extraInfo, String sdp, String transport) {
            this(streamID, extraInfo, sdp, transport, null, null);
        }
    }

    public static final String WEBRTC = "webrtc";
    public static final String RTMP = "rtmp";
    public static final String FLV = "flv";

    /** {@code sdp}: a WebRTC offer (audio, recvonly). */
    /** {@code transport}: {@link #WEBRTC} (null means it), {@link #RTMP} or {@link #FLV}; see PROTOCOL.md. */
    /** {@code mid}: as in {@link StartPublishing}: the m= section of the session's bundled offer that plays it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StartPlaying(String streamID, String sdp, String transport, String roomID, String mid) {
        public StartPlaying(String streamID, String sdp, String transport, String roomID) {
            this(streamID, sdp, transport, roomID, null);
        }

        public StartPlaying(String streamID, String sdp) {
            this(streamID, sdp, null, null, null);
        }

        public StartPlaying(String streamID, String sdp, String transport) {
            this(streamID, sdp, transport, null, null);
        }
    }

    /**
     * {@code roomID}: optional, needed only by a session in several rooms (multi-room). {@code sdp}: for a stream on
     * the session transport (BUNDLE), the renegotiated offer without it (answered in the response).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StopPlaying(String streamID, String roomID, String sdp) {
        public StopPlaying(String streamID, String roomID) {
            this(streamID, roomID, null);
        }

        public StopPlaying(String streamID) {
            this(streamID, null, null);
        }
    }

    /** {@code roomID} and {@code sdp}: as in {@link StopPlaying}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StopPublishing(String streamID, String roomID, String sdp) {
        public StopPublishing(String streamID, String roomID) {
            this(streamID, roomID, null);
        }

        public StopPublishing(String streamID) {
            this(streamID, null, null);
        }
    }

    /** {@code ack}: the highest push {@code seq} the client has handled (optional; lets the server trim its replay buffer). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Heartbeat(Long ack) {
        public Heartbeat() {
            this(null);
        }
    }

    /**
     * Resumes a session whose connection dropped: its identity and credential from the login response, and the highest
     * push {@code seq} the client handled (0 when none).
     */
    public record ResumeSession(Long appID, String roomID, String userID, String sessionID, String resumeToken,
                                Long lastSeq) {}

    /** {@code roomID}: optional, the session's room (several, in multi-room mode: then required). */
    public record RenewToken(String roomID, String token) {}

    public record SetRoomExtraInfo(String roomID, String key, String value) {}

    public record SetStreamExtraInfo(String roomID, String streamID, String extraInfo) {}

    /** sendBroadcastMessage and sendBarrageMessage. */
    public record SendMessage(String roomID, String message) {}

    /** {@code toUserIDs}: empty or absent = everyone in the room but the sender. */
    public record SendCustomCommand(String roomID, String command, List<String> toUserIDs) {}

    public record MutePublishStreamAudio(String roomID, String streamID, Boolean mute) {}

    // ---- responses ----

    /**
     * {@code resumeToken}: the credential that, with the sessionID, lets this session be resumed after a drop (the
     * same for every room of a multi-room session). {@code iceServers}: TURN (and STUN) servers for the client's
     * RTCPeerConnection, with credentials that expire (coturn's REST scheme); absent when the server has none configured.
     */
    public record LoginResult(String roomID, String sessionID, long heartbeatInterval, long heartbeatTimeout,
                              long tokenExpireTime, @JsonInclude(JsonInclude.Include.NON_NULL) String resumeToken,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) List<IceServer> iceServers) {
        public LoginResult(String roomID, String sessionID, long heartbeatInterval, long heartbeatTimeout,
                           long tokenExpireTime, String resumeToken) {
            this(roomID, sessionID, heartbeatInterval, heartbeatTimeout, tokenExpireTime, resumeToken, List.of());
        }
    }

    /** One entry of RTCConfiguration.iceServers: {@code username} is {@code <expiry unix seconds>:<userID>}. */
    public record IceServer(List<String> urls, String username, String credential) {}

    /**
     * {@code roomID}: the room the request named; {@code roomIDs}: every room the resumed session is in (one, or
     * several in multi-room mode), all resumed; {@code lastSeq}: the seq of the newest push sent so far;
     * {@code replayed}: how many pushes follow this response.
     */
    public record ResumeResult(String roomID, List<String> roomIDs, String sessionID, long heartbeatInterval,
                               long heartbeatTimeout, long lastSeq, int replayed) {}

    /** {@code sdp}: the server's answer when the request carried an offer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StreamResult(String streamID, String sdp, String transport, String url, Long urlExpiresAt) {
        public StreamResult(String streamID) {
            this(streamID, null, null, null, null);
        }

        public StreamResult(String streamID, String sdp) {
            this(streamID, sdp, null, null, null);
        }
    }

    public record HeartbeatResult(long serverTime) {}

    public record RenewTokenResult(String roomID, long tokenExpireTime) {}

    public record BroadcastResult(String roomID, long messageID) {}

    public record BarrageResult(String roomID, String messageID) {}

    /** One target of a custom command that did not get it, and why. */
    public record FailedUser(String userID, int errorCode) {}

    public record CustomCommandResult(String roomID, List<FailedUser> failUserList) {}

    // ---- pushes ----

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record User(String userID, String userName) {}

    public record StreamInfo(String streamID, User user, String extraInfo) {}

    public record RoomStateChanged(String roomID, String reason, int errorCode, String extendedData) {}

    public record RoomUserUpdate(String roomID, String updateType, List<User> userList) {}

    public record RoomStreamUpdate(String roomID, String updateType, List<StreamInfo> streamList, String extendedData) {}

    /** state: NO_PUBLISH, PUBLISH_REQUESTING, PUBLISHING. */
    public record PublisherStateUpdate(String roomID, String streamID, String state, int errorCode, String extendedData) {}

    /** state: NO_PLAY, PLAY_REQUESTING, PLAYING. */
    public record PlayerStateUpdate(String roomID, String streamID, String state, int errorCode, String extendedData) {}

    /**
     * Server-measured media quality over the last period: bitrate in kbit/s, packets and packets lost in the
     * period, loss rate 0..1, interarrival jitter in ms, round-trip time in ms (-1 when not known yet).
     */
    public record MediaStats(double audioBitrate, long packets, long packetsLost, double packetsLostRate, double jitter,
                             double rtt) {}

    public record QualityUpdate(String roomID, String streamID, MediaStats stats) {}

    public record TokenWillExpire(String roomID, long remainTimeInSecond) {}

    public record RoomExtraInfo(String key, String value, User updateUser, long updateTime) {}

    public record RoomExtraInfoUpdate(String roomID, List<RoomExtraInfo> roomExtraInfoList) {}

    public record StreamExtraInfoUpdate(String roomID, List<StreamInfo> streamList) {}

    public record BroadcastMessage(User fromUser, String message, long sendTime, long messageID) {}

    public record IMRecvBroadcastMessage(String roomID, List<BroadcastMessage> messageList) {}

    public record BarrageMessage(User fromUser, String message, long sendTime, String messageID) {}

    public record IMRecvBarrageMessage(String roomID, List<BarrageMessage> messageList) {}

    public record IMRecvCustomCommand(String roomID, User fromUser, String command) {}

    public record RoomOnlineUserCountUpdate(String roomID, int count) {}

    /** {@code status}: {@link #OPEN} or {@link #MUTE}. */
    public record RemoteMicStatusUpdate(String roomID, String streamID, String status) {}

    /** Element of {@code stream_delete_reason} in a roomStreamUpdate DELETE's extendedData. */
    public record StreamDeleteReason(String stream_id, int code, String description) {}

    public record StreamDeleteExtended(List<StreamDeleteReason> stream_delete_reason) {}
}
