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

    public static final String ROOM_STATE_CHANGED = "roomStateChanged";
    public static final String ROOM_USER_UPDATE = "roomUserUpdate";
    public static final String ROOM_STREAM_UPDATE = "roomStreamUpdate";
    public static final String PUBLISHER_STATE_UPDATE = "publisherStateUpdate";
    public static final String PLAYER_STATE_UPDATE = "playerStateUpdate";
    public static final String PUBLISH_QUALITY_UPDATE = "publishQualityUpdate";
    public static final String PLAY_QUALITY_UPDATE = "playQualityUpdate";
    public static final String SERVER_DRAINING = "serverDraining";

    public static final String ADD = "ADD";
    public static final String DELETE = "DELETE";

    // ---- requests ----

    public record LoginRoom(Long appID, String roomID, String token, User user, RoomConfig config) {}

    public record RoomConfig(Boolean userUpdate, Integer maxMemberCount) {}

    public record LogoutRoom(String roomID) {}

    /** {@code sdp}: a WebRTC offer (audio, sendonly) to publish media; absent = announce the stream only. */
    /** {@code transport}: {@link #WEBRTC} (null means it), {@link #RTMP}; see PROTOCOL.md. */
    /**
     * {@code mid}: with {@code sdp}, the offer is the client's whole session description (BUNDLE) and {@code mid}
     * names the m= section that carries this stream on the session's one transport; absent = a transport of its own.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StartPublishing(String streamID, String extraInfo, String sdp, String transport, String mid) {
        public StartPublishing(String streamID, String extraInfo) {
            this(streamID, extraInfo, null, null, null);
        }

        public StartPublishing(String streamID, String extraInfo, String sdp) {
            this(streamID, extraInfo, sdp, null, null);
        }

        public StartPublishing(String streamID, String extraInfo, String sdp, String transport) {
            this(streamID, extraInfo, sdp, transport, null);
        }
    }

    public static final String WEBRTC = "webrtc";
    public static final String RTMP = "rtmp";
    public static final String FLV = "flv";

    /** {@code sdp}: a WebRTC offer (audio, recvonly). */
    /** {@code transport}: {@link #WEBRTC} (null means it), {@link #RTMP} or {@link #FLV}; see PROTOCOL.md. */
    /** {@code mid}: as in {@link StartPublishing}: the m= section of the session's bundled offer that plays it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StartPlaying(String streamID, String sdp, String transport, String mid) {
        public StartPlaying(String streamID, String sdp) {
            this(streamID, sdp, null, null);
        }

        public StartPlaying(String streamID, String sdp, String transport) {
            this(streamID, sdp, transport, null);
        }
    }

    /** {@code sdp}: for a stream on the session transport, the renegotiated offer without it (answered in the response). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StopPlaying(String streamID, String sdp) {
        public StopPlaying(String streamID) {
            this(streamID, null);
        }
    }

    /** {@code sdp}: as in {@link StopPlaying}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StopPublishing(String streamID, String sdp) {
        public StopPublishing(String streamID) {
            this(streamID, null);
        }
    }

    public record Heartbeat() {}

    // ---- responses ----

    public record LoginResult(String roomID, String sessionID, long heartbeatInterval, long heartbeatTimeout,
                              long tokenExpireTime) {}

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

    // ---- pushes ----

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record User(String userID, String userName) {}

    public record StreamInfo(String streamID, User user, String extraInfo) {}

    public record RoomStateChanged(String roomID, String reason, int errorCode, String extendedData) {}

    public record RoomUserUpdate(String roomID, String updateType, List<User> userList) {}

    public record RoomStreamUpdate(String roomID, String updateType, List<StreamInfo> streamList, String extendedData) {}

    /** state: NO_PUBLISH, PUBLISH_REQUESTING, PUBLISHING. */
    public record PublisherStateUpdate(String streamID, String state, int errorCode, String extendedData) {}

    /** state: NO_PLAY, PLAY_REQUESTING, PLAYING. */
    public record PlayerStateUpdate(String streamID, String state, int errorCode, String extendedData) {}

    /**
     * Server-measured media quality over the last period: bitrate in kbit/s, packets and packets lost in the
     * period, loss rate 0..1, interarrival jitter in ms, round-trip time in ms (-1 when not known yet).
     */
    public record MediaStats(double audioBitrate, long packets, long packetsLost, double packetsLostRate, double jitter,
                             double rtt) {}

    public record QualityUpdate(String streamID, MediaStats stats) {}

    /** Element of {@code stream_delete_reason} in a roomStreamUpdate DELETE's extendedData. */
    public record StreamDeleteReason(String stream_id, int code, String description) {}

    public record StreamDeleteExtended(List<StreamDeleteReason> stream_delete_reason) {}
}
