package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.client.media.MediaConfig;
import io.parley.client.media.PacketListener;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parley's Java client, shaped like ZEGO Express: {@code loginRoom}, {@code logoutRoom}, {@code startPublishing},
 * {@code stopPublishing} and a setter per push. It keeps the room as the pushes describe it
 * ({@link #roomUsers()}, {@link #roomStreams()}) and sends heartbeats at the interval the login response gives.
 * Listeners run on the client's event loop; do not block in them.
 *
 * <p>Media: {@link #startPublishingMedia} and {@link #startPlaying} open a WebRTC transport each (see
 * {@code io.parley.client.media}), exchange the SDP offer and answer over signalling and connect. Their futures
 * fail with a {@link ResultException}: the server's error code, or 1103028 / 1104028 when ICE or DTLS fails.
 *
 * <p>Dropped connections: when the WebSocket drops without a close frame (or falls silent for two heartbeat
 * intervals) while logged in, the room state goes RECONNECTING (1000017) and the client resumes its session on a new
 * connection ({@link Reconnect}): RECONNECTED, with the pushes it missed delivered next in order, and its media
 * untouched; or RECONNECT_FAILED (1002053) after the retry window ({@link #setReconnectWindow}, 5 minutes).
 * Requests made while RECONNECTING fail with 1000017.
 */
public final class ParleyEngine implements AutoCloseable {
    private final long appId;
    private final URI server;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, CompletableFuture<Result>> pending = new ConcurrentHashMap<>();
    /** roomID → userID → user, as the pushes told (one room, or several in multi-room mode). */
    private final Map<String, Map<String, Messages.User>> users = new LinkedHashMap<>();
    private final Map<String, Map<String, Messages.StreamInfo>> streams = new LinkedHashMap<>();
    /** The rooms this client is logged in to, in login order. */
    private final java.util.Set<String> rooms = new java.util.concurrent.CopyOnWriteArraySet<>();
    private volatile CompletableFuture<WsClient> connection;
    private volatile ScheduledFuture<?> heartbeat;
    private volatile String roomId;
    private volatile String state = "LOGOUT";
    private volatile int lastErrorCode;
    private final MediaStreams media = new MediaStreams();
    private final Reconnect reconnect = new Reconnect(this);
    /** The last login, for a fresh login when a resume is refused; its session's credential. */
    private volatile Messages.LoginRoom loginRequest;
    /** Every room's login (multi-room), for fresh logins when a resume is refused. */
    private final Map<String, Messages.LoginRoom> logins = new ConcurrentHashMap<>();
    private volatile String sessionId;
    private volatile String resumeToken;
    /** The highest push seq handled on this session (0: none); pushes at or below it are duplicates. */
    private final AtomicLong lastSeq = new AtomicLong();
    private volatile boolean reconnecting;
    private volatile boolean relogging;
    /** The rooms whose LOGINED (of a fresh login after a refused resume) is still to come, and not reported. */
    private final java.util.Set<String> reloggingRooms = ConcurrentHashMap.newKeySet();
    /**
     * A fresh login refused (after a refused resume) is reported as RECONNECT_FAILED from its answer; the server's own
     * LOGIN_FAILED push for it, which may come before or after the answer, is not reported: these hold the rooms whose
     * push came first, and those whose push is still due.
     */
    private final java.util.Set<String> reloginFailedPushSeen = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> reloginFailedPushDue = ConcurrentHashMap.newKeySet();
    private volatile boolean userClosed;
    private volatile long heartbeatIntervalMs = 30_000;
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile Listeners.LegacyRoomState legacyStateListener = (r, s, c, e) -> {};

    private volatile Listeners.RoomState roomStateListener = (r, s, c, e) -> {};
    private volatile Listeners.RoomUserUpdate userListener = (r, t, l) -> {};
    private volatile Listeners.RoomStreamUpdate streamListener = (r, t, l, e) -> {};
    private volatile Listeners.Push pushListener = (n, d) -> {};
    private volatile Listeners.Disconnected disconnectedListener = (s, r) -> {};
    private volatile Listeners.PublisherState publisherStateListener = u -> {};
    private volatile Listeners.PlayerState playerStateListener = u -> {};
    private volatile Listeners.PublishQuality publishQualityListener = u -> {};
    private volatile Listeners.PlayQuality playQualityListener = u -> {};
    private volatile Listeners.TokenWillExpire tokenWillExpireListener = (r, s) -> {};
    private volatile Listeners.RoomExtraInfoUpdate roomExtraInfoListener = (r, l) -> {};
    private volatile Listeners.StreamExtraInfoUpdate streamExtraInfoListener = (r, l) -> {};
    private volatile Listeners.BroadcastMessage broadcastListener = (r, l) -> {};
    private volatile Listeners.BarrageMessage barrageListener = (r, l) -> {};
    private volatile Listeners.CustomCommand customCommandListener = (r, u, c) -> {};
    private volatile Listeners.OnlineUserCount onlineCountListener = (r, c) -> {};
    private volatile Listeners.RemoteMicStatus remoteMicListener = (s, st) -> {};
    private final Map<String, Messages.RoomExtraInfo> roomExtraInfo = new LinkedHashMap<>();

    private ParleyEngine(long appId, URI server) {
        this.appId = appId;
        this.server = server;
    }

    /** Like {@code ZegoExpressEngine.createEngine(appID, server)}: {@code server} is {@code ws://host:port/ws}. */
    public static ParleyEngine create(long appId, URI server) {
        return new ParleyEngine(appId, server);
    }

    public void setRoomStateListener(Listeners.RoomState l) {
        roomStateListener = l;
    }

    public void setRoomUserUpdateListener(Listeners.RoomUserUpdate l) {
        userListener = l;
    }

    public void setRoomStreamUpdateListener(Listeners.RoomStreamUpdate l) {
        streamListener = l;
    }

    /** Every push, by name (also the ones with a dedicated listener). */
    public void setPushListener(Listeners.Push l) {
        pushListener = l;
    }

    /** ZEGO's legacy {@code roomStateUpdate}: DISCONNECTED, CONNECTING, CONNECTED, following the room state. */
    public void setRoomStateUpdateListener(Listeners.LegacyRoomState l) {
        legacyStateListener = l;
    }

    /** How long to keep trying to resume (or log in again) after a drop before RECONNECT_FAILED; default 5 minutes. */
    public void setReconnectWindow(java.time.Duration window) {
        reconnect.window(window);
    }

    public void setDisconnectedListener(Listeners.Disconnected l) {
        disconnectedListener = l;
    }

    public void setPublisherStateUpdateListener(Listeners.PublisherState l) {
        publisherStateListener = l;
    }

    public void setPlayerStateUpdateListener(Listeners.PlayerState l) {
        playerStateListener = l;
    }

    public void setPublishQualityUpdateListener(Listeners.PublishQuality l) {
        publishQualityListener = l;
    }

    public void setPlayQualityUpdateListener(Listeners.PlayQuality l) {
        playQualityListener = l;
    }

    public void setTokenWillExpireListener(Listeners.TokenWillExpire l) {
        tokenWillExpireListener = l;
    }

    public void setRoomExtraInfoUpdateListener(Listeners.RoomExtraInfoUpdate l) {
        roomExtraInfoListener = l;
    }

    public void setStreamExtraInfoUpdateListener(Listeners.StreamExtraInfoUpdate l) {
        streamExtraInfoListener = l;
    }

    public void setIMRecvBroadcastMessageListener(Listeners.BroadcastMessage l) {
        broadcastListener = l;
    }

    public void setIMRecvBarrageMessageListener(Listeners.BarrageMessage l) {
        barrageListener = l;
    }

    public void setIMRecvCustomCommandListener(Listeners.CustomCommand l) {
        customCommandListener = l;
    }

    public void setRoomOnlineUserCountUpdateListener(Listeners.OnlineUserCount l) {
        onlineCountListener = l;
    }

    public void setRemoteMicStatusUpdateListener(Listeners.RemoteMicStatus l) {
        remoteMicListener = l;
    }

    /** Timeouts and socket of the media transports started from now on. */
    public void setMediaConfig(MediaConfig config) {
        media.config(config);
    }

    public CompletableFuture<Result> loginRoom(String roomID, String token, Messages.User user, Messages.RoomConfig config) {
        if ("RECONNECT_FAILED".equals(state)) {
            // The lost session's rooms (kept for logoutRoom's LOGOUT of each) are forgotten: this login starts anew.
            rooms.clear();
            logins.clear();
            roomId = null;
            loginRequest = null;
            synchronized (this) {
                roomExtraInfo.clear();
            }
        }
        state = "LOGINING";
        userClosed = false;
        fireState(roomID, "LOGINING", 0, "");
        Messages.LoginRoom req = new Messages.LoginRoom(appId, roomID, token, user, config);
        return request(Messages.LOGIN_ROOM, req).thenApply(r -> {
            if (r.ok()) {
                loggedIn(req, r);
            }
            return r;
        });
    }

    /** A login answered OK: the room joins this client's rooms; the first one's login is its session's. */
    private void loggedIn(Messages.LoginRoom req, Result r) {
        boolean first = rooms.isEmpty();
        rooms.add(req.roomID());
        logins.put(req.roomID(), req);
        iceServers = readIceServers(r.data().path("iceServers"));
        if (first) {
            roomId = req.roomID();
            loginRequest = req;
            sessionId = r.data().path("sessionID").asText(null);
            resumeToken = r.data().path("resumeToken").asText(null);
            startHeartbeat(r.data().path("heartbeatInterval").asLong(30_000));
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ParleyEngine.class);
    private volatile List<Messages.IceServer> iceServers = List.of();

    /**
     * The TURN servers and short-lived credentials the last login handed out (empty when the server has none). This
     * client's own media transport connects to the server directly; a WebRTC stack used beside it can take these as
     * its {@code iceServers}.
     */
    public List<Messages.IceServer> iceServers() {
        return iceServers;
    }

    private static List<Messages.IceServer> readIceServers(JsonNode list) {
        if (!list.isArray()) {
            return List.of();
        }
        try {
            return List.of(SignalCodec.MAPPER.treeToValue(list, Messages.IceServer[].class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            log.warn("loginRoom: iceServers not understood, ignored: {}", e.getMessage());
            return List.of();
        }
    }

    public CompletableFuture<Result> logoutRoom() {
        String r = roomId;
        return logoutRoom(r);
    }

    /** Leaves {@code roomID}; null: every room (multi-room), or the only one. */
    public CompletableFuture<Result> logoutRoom(String roomID) {
        if (reconnecting || "RECONNECT_FAILED".equals(state)) { // no server to tell: the session times out there
            reconnect.cancel();
            reconnecting = false;
            leftRooms(roomID);
            return CompletableFuture.completedFuture(new Result(0, "OK", SignalCodec.MAPPER.createObjectNode()));
        }
        return request(Messages.LOGOUT_ROOM, new Messages.LogoutRoom(roomID)).thenApply(r -> {
            if (r.ok()) {
                leftRooms(roomID);
            }
            return r;
        });
    }

    /** {@code roomID} (null: every room) is left: what this client knew of it goes, LOGOUT for each. */
    private void leftRooms(String roomID) {
        List<String> left = roomID == null ? List.copyOf(rooms) : List.of(roomID);
        synchronized (this) {
            left.forEach(id -> {
                users.remove(id);
                streams.remove(id);
            });
        }
        rooms.removeAll(left);
        left.forEach(logins::remove);
        if (rooms.isEmpty()) {
            synchronized (this) {
                users.clear();
                streams.clear();
                roomExtraInfo.clear();
            }
            roomId = null;
            sessionId = null;
            resumeToken = null;
            loginRequest = null;
            state = "LOGOUT";
            media.closeAll();
        } else if (left.contains(roomId)) {
            roomId = rooms.iterator().next();
            loginRequest = logins.get(roomId);
        }
        left.forEach(id -> fireState(id, "LOGOUT", 0, ""));
    }

    /** roomStateChanged to the listener, and the legacy roomStateUpdate that follows it. */
    private void fireState(String roomID, String reason, int code, String extendedData) {
        roomStateListener.onRoomStateChanged(roomID, reason, code, extendedData);
        String legacy = switch (reason) {
            case "LOGINING", "RECONNECTING" -> "CONNECTING";
            case "LOGINED", "RECONNECTED" -> "CONNECTED";
            default -> "DISCONNECTED";
        };
        legacyStateListener.onRoomStateUpdate(roomID, legacy, code, extendedData);
    }

    /** The same state for every room of the session (a resume concerns them all), or for the one being joined. */
    private void fireStateAll(String reason, int code, String extendedData) {
        List<String> all = rooms.isEmpty() && roomId != null ? List.of(roomId) : List.copyOf(rooms);
        all.forEach(id -> fireState(id, reason, code, extendedData));
    }

    /** Publishes (signalling only) in one of several rooms (multi-room; PROTOCOL.md "Multi-room"). */
    public CompletableFuture<Result> startPublishingInRoom(String roomID, String streamID, String extraInfo) {
        return request(Messages.START_PUBLISHING, new Messages.StartPublishing(streamID, extraInfo, null, null, roomID));
    }

    /** A broadcast message to one of several rooms (multi-room). */
    public CompletableFuture<Result> sendBroadcastMessage(String roomID, String message) {
        return request(Messages.SEND_BROADCAST_MESSAGE, new Messages.SendMessage(roomID, message));
    }

    /** The rooms this client is logged in to. */
    public List<String> rooms() {
        return List.copyOf(rooms);
    }

    public CompletableFuture<Result> startPublishing(String streamID, String extraInfo) {
        return request(Messages.START_PUBLISHING, new Messages.StartPublishing(streamID, extraInfo));
    }

    /**
     * One WebRTC transport for the whole session, every room of it in multi-room (BUNDLE, PROTOCOL.md "One
     * transport per session"): streams started from now on share it, each on its own m-line, added and removed by
     * renegotiation. Off by default: a transport per stream.
     */
    public void setMediaBundle(boolean on) {
        media.bundle(on);
    }

    /**
     * The m= sections the session transport's offers carry now (0 when not bundling): the live bundled streams
     * plus stopped ones whose slot the next new stream recycles (JSEP 5.2.2), so it stays bounded by the streams
     * live at once, not by the streams the session ever had.
     */
    public int mediaBundleSections() {
        return media.sectionCount();
    }

    /**
     * Stops publishing; closes the stream's media transport first, if {@link #startPublishingMedia} opened one. A
     * bundled stream leaves the session's transport: the request carries the renegotiated offer.
     */
    public CompletableFuture<Result> stopPublishing(String streamID) {
        CompletableFuture<Result> bundled = media.stopBundled(streamID, true,
                offer -> request(Messages.STOP_PUBLISHING, new Messages.StopPublishing(streamID, null, offer)));
        if (bundled != null) {
            return bundled;
        }
        media.stopPublishing(streamID);
        return request(Messages.STOP_PUBLISHING, new Messages.StopPublishing(streamID));
    }

    /**
     * Publishes {@code streamID} with media, like ZEGO's {@code startPublishingStream}: sends startPublishing
     * with an SDP offer, applies the answer and connects (ICE, DTLS). Completes, on a media event loop, with a
     * {@link Publisher} ready for {@link Publisher#sendFrame}; fails with a {@link ResultException} carrying the
     * server's error code, or 1103028 when the media path does not come up. After a media failure the stream is
     * still announced until the server gives up on it (or {@link #stopPublishing} is called).
     */
    public CompletableFuture<Publisher> startPublishingMedia(String streamID, String extraInfo) {
        if (media.bundle()) {
            return media.publishBundled(streamID, (offer, mid) -> request(Messages.START_PUBLISHING,
                    new Messages.StartPublishing(streamID, extraInfo, offer, null, null, mid)));
        }
        return media.publish(streamID, offer -> request(Messages.START_PUBLISHING,
                new Messages.StartPublishing(streamID, extraInfo, offer)));
    }

    /**
     * Plays {@code streamID}, like ZEGO's {@code startPlayingStream}: sends startPlaying with a recvonly offer,
     * applies the answer and connects. {@code listener} gets every RTP packet on the player's event loop.
     * Fails with a {@link ResultException}: the server's code (1104039 no such stream, 1104032 already playing…)
     * or 1104028 when the media path does not come up.
     */
    public CompletableFuture<Player> startPlaying(String streamID, PacketListener listener) {
        if (media.bundle()) {
            return media.playBundled(streamID, listener, (offer, mid) -> request(Messages.START_PLAYING,
                    new Messages.StartPlaying(streamID, offer, null, null, mid)));
        }
        return media.play(streamID, listener, offer -> request(Messages.START_PLAYING,
                new Messages.StartPlaying(streamID, offer)));
    }

    /**
     * Publishes {@code streamID} over RTMP (a WeChat {@code <live-pusher>}, or any RTMP pusher): the result's
     * {@code data.url} is the push URL, valid until {@code data.urlExpiresAt}. The room sees the stream once the push
     * sends media (PROTOCOL.md, "RTMP and HTTP-FLV").
     */
    public CompletableFuture<Result> startPublishingRtmp(String streamID, String extraInfo) {
        return request(Messages.START_PUBLISHING, new Messages.StartPublishing(streamID, extraInfo, null, Messages.RTMP));
    }

    /**
     * Asks for a URL to play {@code streamID} with a native player: {@code transport} is {@code "flv"} (HTTP-FLV) or
     * {@code "rtmp"}; the result's {@code data.url} is the play URL. {@link #stopPlaying} ends it.
     */
    public CompletableFuture<Result> startPlayingUrl(String streamID, String transport) {
        return request(Messages.START_PLAYING, new Messages.StartPlaying(streamID, null, transport));
    }

    /** Stops playing: closes the player's transport and tells the server. */
    public CompletableFuture<Result> stopPlaying(String streamID) {
        CompletableFuture<Result> bundled = media.stopBundled(streamID, false,
                offer -> request(Messages.STOP_PLAYING, new Messages.StopPlaying(streamID, null, offer)));
        if (bundled != null) {
            return bundled;
        }
        media.stopPlaying(streamID);
        return request(Messages.STOP_PLAYING, new Messages.StopPlaying(streamID));
    }

    /** The publisher of {@code streamID} started by {@link #startPublishingMedia}, or null. */
    public Publisher publisher(String streamID) {
        return media.publisher(streamID);
    }

    /** The player of {@code streamID} started by {@link #startPlaying}, or null. */
    public Player player(String streamID) {
        return media.player(streamID);
    }

    /** Replaces the login token (after {@code tokenWillExpire}); the result's {@code data.tokenExpireTime} is its expiry. */
    public CompletableFuture<Result> renewToken(String token) {
        return request(Messages.RENEW_TOKEN, new Messages.RenewToken(roomId, token));
    }

    /** Sets room extra info: the other members get {@code roomExtraInfoUpdate}; later logins get it too. */
    public CompletableFuture<Result> setRoomExtraInfo(String key, String value) {
        return request(Messages.SET_ROOM_EXTRA_INFO, new Messages.SetRoomExtraInfo(roomId, key, value));
    }

    /** Changes the extraInfo of a stream this client publishes: the others get {@code streamExtraInfoUpdate}. */
    public CompletableFuture<Result> setStreamExtraInfo(String streamID, String extraInfo) {
        return request(Messages.SET_STREAM_EXTRA_INFO, new Messages.SetStreamExtraInfo(roomId, streamID, extraInfo));
    }

    /** A reliable room message; the result's {@code data.messageID} is an integer in the room's order. */
    public CompletableFuture<Result> sendBroadcastMessage(String message) {
        return request(Messages.SEND_BROADCAST_MESSAGE, new Messages.SendMessage(roomId, message));
    }

    /** An unreliable room message (dropped for members that cannot keep up); {@code data.messageID} is a string. */
    public CompletableFuture<Result> sendBarrageMessage(String message) {
        return request(Messages.SEND_BARRAGE_MESSAGE, new Messages.SendMessage(roomId, message));
    }

    /** A command to some members (an empty list: everyone else); {@code data.failUserList} names those not reached. */
    public CompletableFuture<Result> sendCustomCommand(String command, List<String> toUserIDs) {
        return request(Messages.SEND_CUSTOM_COMMAND, new Messages.SendCustomCommand(roomId, command, toUserIDs));
    }

    /** Tells the players of {@code streamID} that its microphone is muted or open again ({@code remoteMicStatusUpdate}). */
    public CompletableFuture<Result> mutePublishStreamAudio(String streamID, boolean mute) {
        return request(Messages.MUTE_PUBLISH_STREAM_AUDIO, new Messages.MutePublishStreamAudio(roomId, streamID, mute));
    }

    /** The room's extra info as this client was told it (key → entry). */
    public synchronized Map<String, Messages.RoomExtraInfo> roomExtraInfo() {
        return new LinkedHashMap<>(roomExtraInfo);
    }

    /** A heartbeat, acknowledging every push handled so far. */
    public CompletableFuture<Result> heartbeat() {
        long seq = lastSeq.get();
        return request(Messages.HEARTBEAT, new Messages.Heartbeat(seq == 0 ? null : seq));
    }

    /** Sends any request by type with a JSON data object (for messages this client does not model yet). */
    public CompletableFuture<Result> request(String type, Object data) {
        String id = Long.toString(ids.incrementAndGet());
        CompletableFuture<Result> f = new CompletableFuture<>();
        if (reconnecting && !Messages.RESUME_SESSION.equals(type) && !(relogging && Messages.LOGIN_ROOM.equals(type))) {
            f.completeExceptionally(new ResultException(ErrorCode.NETWORK_BROKEN,
                    "reconnecting: " + type + " not sent (the connection dropped; wait for RECONNECTED)", null));
            return f;
        }
        return send(connect(), id, f, type, data);
    }

    /** A request on this very connection (a resume attempt's), never on a new one. */
    CompletableFuture<Result> requestOn(WsClient ws, String type, Object data) {
        String id = Long.toString(ids.incrementAndGet());
        CompletableFuture<Result> f = new CompletableFuture<>();
        if (!ws.isOpen()) {
            f.completeExceptionally(new IllegalStateException("connection closed"));
            return f;
        }
        return send(CompletableFuture.completedFuture(ws), id, f, type, data);
    }

    private CompletableFuture<Result> send(CompletableFuture<WsClient> via, String id, CompletableFuture<Result> f,
                                           String type, Object data) {
        pending.put(id, f);
        ObjectNode env = SignalCodec.MAPPER.createObjectNode();
        env.put("id", id);
        env.put("type", type);
        env.set("data", SignalCodec.MAPPER.valueToTree(data));
        via.whenComplete((ws, err) -> {
            if (err != null) {
                pending.remove(id);
                f.completeExceptionally(err);
            } else {
                ws.sendText(env.toString());
            }
        });
        return f;
    }

    private synchronized CompletableFuture<WsClient> connect() {
        CompletableFuture<WsClient> c = connection;
        if (c == null || (c.isDone() && (c.isCompletedExceptionally() || !c.join().isOpen()))) {
            lastSeq.set(0); // a new connection starts a new session
            c = open();
        }
        return c;
    }

    private CompletableFuture<WsClient> open() {
        CompletableFuture<WsClient> c = WsClient.connect(server, this::onText);
        c.thenAccept(ws -> ws.closed().thenAccept(closed -> onClosed(ws, closed)));
        connection = c;
        return c;
    }

    private void onClosed(WsClient ws, WsClient.Closed closed) {
        CompletableFuture<WsClient> current = connection;
        if (current == null || current.getNow(null) != ws) {
            return; // an earlier connection (a failed attempt, or the one a resume replaced)
        }
        ScheduledFuture<?> h = heartbeat;
        if (h != null) {
            h.cancel(false);
        }
        IllegalStateException gone = new IllegalStateException("connection closed: " + closed.status() + " " + closed.reason());
        pending.values().forEach(f -> f.completeExceptionally(gone));
        pending.clear();
        if (reconnecting) {
            return; // an attempt's connection: Reconnect sees its request fail and tries again
        }
        if (!userClosed && closed.status() == -1 && sessionId != null) {
            reconnecting = true;
            state = "RECONNECTING";
            lastErrorCode = ErrorCode.NETWORK_BROKEN;
            fireStateAll("RECONNECTING", ErrorCode.NETWORK_BROKEN, "");
            reconnect.start();
            return;
        }
        media.closeAll();
        disconnectedListener.onDisconnected(closed.status(), closed.reason());
    }

    // ---- Reconnect's hooks ----

    /** What resumes this session now, or null when there is none (logged out meanwhile). */
    Messages.ResumeSession resumeRequest() {
        Messages.LoginRoom login = loginRequest;
        String sid = sessionId;
        String rid = roomId;
        if (login == null || sid == null || rid == null) {
            return null;
        }
        return new Messages.ResumeSession(appId, rid, login.user().userID(), sid, resumeToken, lastSeq.get());
    }

    /** A new connection for an attempt (lastSeq is kept: the session it resumes goes on numbering). */
    synchronized CompletableFuture<WsClient> freshConnection() {
        return open();
    }

    void resumed(Result r) {
        reconnecting = false;
        state = "RECONNECTED";
        lastErrorCode = 0;
        startHeartbeat(r.data().path("heartbeatInterval").asLong(heartbeatIntervalMs));
        fireStateAll("RECONNECTED", 0, "");
    }

    /** The session is gone on the server: what this client knew of it goes (peers are told DELETE, then ADD anew). */
    void sessionLost() {
        lastSeq.set(0);
        media.closeAll();
        Map<String, List<Messages.User>> goneUsers = new LinkedHashMap<>();
        Map<String, List<Messages.StreamInfo>> goneStreams = new LinkedHashMap<>();
        synchronized (this) {
            users.forEach((room, in) -> goneUsers.put(room, new ArrayList<>(in.values())));
            streams.forEach((room, in) -> goneStreams.put(room, new ArrayList<>(in.values())));
            users.clear();
            streams.clear();
        }
        goneStreams.forEach((room, gone) -> {
            if (!gone.isEmpty()) {
                streamListener.onRoomStreamUpdate(room, Messages.DELETE, gone, "");
            }
        });
        goneUsers.forEach((room, gone) -> {
            if (!gone.isEmpty()) {
                userListener.onRoomUserUpdate(room, Messages.DELETE, gone);
            }
        });
    }

    /** A fresh login with the last login's parameters, on the attempt's connection. */
    CompletableFuture<Result> relogin(WsClient ws) {
        List<Messages.LoginRoom> all = new ArrayList<>();
        Messages.LoginRoom first = loginRequest;
        all.add(first);
        for (String room : rooms) {
            Messages.LoginRoom req = logins.get(room);
            if (req != null && req != first) {
                all.add(req); // multi-room: the session's other rooms, logged in again after the first
            }
        }
        relogging = true;
        reloggingRooms.clear();
        reloginFailedPushSeen.clear();
        reloginFailedPushDue.clear();
        all.forEach(req -> reloggingRooms.add(req.roomID()));
        return reloginFrom(ws, all, 0, null);
    }

    /** A fresh login of {@code roomID} was refused: its LOGINED will not come, its LOGIN_FAILED push is not reported. */
    private void reloginRefused(String roomID) {
        reloggingRooms.remove(roomID);
        if (!reloginFailedPushSeen.remove(roomID)) {
            reloginFailedPushDue.add(roomID);
        }
    }

    /** Whether a LOGIN_FAILED push is that of a fresh login after a refused resume (then reported from its answer). */
    private boolean reloginFailedPush(String roomID) {
        if (reloggingRooms.contains(roomID)) {
            reloginFailedPushSeen.add(roomID); // before its answer
            return true;
        }
        return reloginFailedPushDue.remove(roomID);
    }

    private CompletableFuture<Result> reloginFrom(WsClient ws, List<Messages.LoginRoom> all, int i, Result firstResult) {
        if (i == all.size()) {
            return CompletableFuture.completedFuture(firstResult);
        }
        Messages.LoginRoom req = all.get(i);
        return requestOn(ws, Messages.LOGIN_ROOM, req).thenCompose(r -> {
            if (!r.ok()) {
                reloginRefused(req.roomID());
                if (firstResult == null && i == all.size() - 1) {
                    return CompletableFuture.completedFuture(r); // no room took the user back: RECONNECT_FAILED
                }
                logins.remove(req.roomID());
                if (firstResult == null) {
                    // Not logged in anywhere yet: the next room takes the first one's place (its login leads a retry).
                    rooms.remove(req.roomID());
                    if (req.roomID().equals(roomId) && !rooms.isEmpty()) {
                        roomId = rooms.iterator().next();
                        loginRequest = logins.get(roomId);
                    }
                }
                fireState(req.roomID(), "RECONNECT_FAILED", r.code(), r.message()); // this room only; the others carry on
                return reloginFrom(ws, all, i + 1, firstResult);
            }
            if (firstResult == null) {
                rooms.clear(); // the session is new: its rooms are those logged in again, the first one first
            }
            loggedIn(req, r);
            return reloginFrom(ws, all, i + 1, firstResult == null ? r : firstResult);
        });
    }

    void reloggedIn(Result r, int why) {
        reconnecting = false; // relogging stays on until the login's LOGINED push, which follows its answer
        state = "RECONNECTED";
        lastErrorCode = 0;
        fireStateAll("RECONNECTED", 0, "{\"relogin\":" + why + "}");
    }

    void reconnectFailed(int code, String why) {
        relogging = false;
        reconnecting = false;
        state = "RECONNECT_FAILED";
        lastErrorCode = code;
        media.closeAll();
        synchronized (this) {
            users.clear();
            streams.clear();
        }
        sessionId = null;
        resumeToken = null;
        CompletableFuture<WsClient> c = connection;
        if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
            c.join().close();
        }
        fireStateAll("RECONNECT_FAILED", code, why == null ? "" : why);
    }

    private void startHeartbeat(long intervalMs) {
        ScheduledFuture<?> old = heartbeat;
        if (old != null) {
            old.cancel(false);
        }
        heartbeatIntervalMs = intervalMs;
        lastHeardNanos = System.nanoTime();
        heartbeat = WsClient.group().next().scheduleAtFixedRate(this::heartbeatTick, intervalMs, intervalMs,
                TimeUnit.MILLISECONDS);
    }

    /** Sends a heartbeat; a connection silent for two intervals (no answer, no push) is taken as dropped. */
    private void heartbeatTick() {
        long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastHeardNanos);
        if (silentMs > 2 * heartbeatIntervalMs + 1_000) {
            CompletableFuture<WsClient> c = connection;
            if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
                c.join().abort(); // → onClosed without a close frame → RECONNECTING
            }
            return;
        }
        heartbeat();
    }

    private void onText(String text) {
        lastHeardNanos = System.nanoTime();
        JsonNode msg;
        try {
            msg = SignalCodec.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (msg.has("push")) {
            JsonNode seq = msg.get("seq");
            if (seq != null && seq.canConvertToLong()) {
                long n = seq.asLong();
                if (n <= lastSeq.get()) {
                    return; // already handled before a resume
                }
                lastSeq.set(n);
            }
            onPush(msg.get("push").asText(), msg.path("data"));
            return;
        }
        JsonNode id = msg.get("id");
        CompletableFuture<Result> f = id == null || id.isNull() ? null : pending.remove(id.asText());
        Result r = new Result(msg.path("code").asInt(), msg.path("message").asText(), msg.path("data"));
        if (f != null) {
            f.complete(r);
        }
    }

    private void onPush(String name, JsonNode data) {
        try {
            switch (name) {
                case Messages.ROOM_STATE_CHANGED -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.RoomStateChanged.class);
                    if (relogging && "LOGINED".equals(p.reason()) && reloggingRooms.remove(p.roomID())) {
                        relogging = !reloggingRooms.isEmpty();
                        break; // a login that repairs a lost session: reported as RECONNECTED when it answered
                    }
                    if ("LOGIN_FAILED".equals(p.reason()) && reloginFailedPush(p.roomID())) {
                        break; // reported as RECONNECT_FAILED (that room's, or every room's) from the login's answer
                    }
                    state = p.reason();
                    lastErrorCode = p.errorCode();
                    if ("KICKOUT".equals(p.reason())) {
                        reconnect.cancel();
                        reconnecting = false;
                        sessionId = null;
                        synchronized (this) {
                            users.clear();
                            streams.clear();
                            roomExtraInfo.clear();
                        }
                        rooms.clear();
                        logins.clear();
                        media.closeAll();
                    }
                    fireState(p.roomID(), p.reason(), p.errorCode(), p.extendedData());
                }
                case Messages.ROOM_USER_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.RoomUserUpdate.class);
                    synchronized (this) {
                        Map<String, Messages.User> in = users.computeIfAbsent(p.roomID(), k -> new LinkedHashMap<>());
                        for (Messages.User u : p.userList()) {
                            if (Messages.ADD.equals(p.updateType())) {
                                in.put(u.userID(), u);
                            } else {
                                in.remove(u.userID());
                            }
                        }
                    }
                    userListener.onRoomUserUpdate(p.roomID(), p.updateType(), p.userList());
                }
                case Messages.ROOM_STREAM_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.RoomStreamUpdate.class);
                    synchronized (this) {
                        Map<String, Messages.StreamInfo> in = streams.computeIfAbsent(p.roomID(), k -> new LinkedHashMap<>());
                        for (Messages.StreamInfo s : p.streamList()) {
                            if (Messages.ADD.equals(p.updateType())) {
                                in.put(s.streamID(), s);
                            } else {
                                in.remove(s.streamID());
                            }
                        }
                    }
                    streamListener.onRoomStreamUpdate(p.roomID(), p.updateType(), p.streamList(), p.extendedData());
                }
                case Messages.PUBLISHER_STATE_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.PublisherStateUpdate.class);
                    media.onPublisherState(p);
                    publisherStateListener.onPublisherStateUpdate(p);
                }
                case Messages.PLAYER_STATE_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.PlayerStateUpdate.class);
                    media.onPlayerState(p);
                    playerStateListener.onPlayerStateUpdate(p);
                }
                case Messages.TOKEN_WILL_EXPIRE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.TokenWillExpire.class);
                    tokenWillExpireListener.onTokenWillExpire(p.roomID(), p.remainTimeInSecond());
                }
                case Messages.ROOM_EXTRA_INFO_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.RoomExtraInfoUpdate.class);
                    synchronized (this) {
                        p.roomExtraInfoList().forEach(e -> roomExtraInfo.put(e.key(), e));
                    }
                    roomExtraInfoListener.onRoomExtraInfoUpdate(p.roomID(), p.roomExtraInfoList());
                }
                case Messages.STREAM_EXTRA_INFO_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.StreamExtraInfoUpdate.class);
                    synchronized (this) {
                        Map<String, Messages.StreamInfo> in = streams.computeIfAbsent(p.roomID(), k -> new LinkedHashMap<>());
                        p.streamList().forEach(s -> in.put(s.streamID(), s));
                    }
                    streamExtraInfoListener.onStreamExtraInfoUpdate(p.roomID(), p.streamList());
                }
                case Messages.IM_RECV_BROADCAST_MESSAGE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.IMRecvBroadcastMessage.class);
                    broadcastListener.onIMRecvBroadcastMessage(p.roomID(), p.messageList());
                }
                case Messages.IM_RECV_BARRAGE_MESSAGE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.IMRecvBarrageMessage.class);
                    barrageListener.onIMRecvBarrageMessage(p.roomID(), p.messageList());
                }
                case Messages.IM_RECV_CUSTOM_COMMAND -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.IMRecvCustomCommand.class);
                    customCommandListener.onIMRecvCustomCommand(p.roomID(), p.fromUser(), p.command());
                }
                case Messages.ROOM_ONLINE_USER_COUNT_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.RoomOnlineUserCountUpdate.class);
                    onlineCountListener.onRoomOnlineUserCountUpdate(p.roomID(), p.count());
                }
                case Messages.REMOTE_MIC_STATUS_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.RemoteMicStatusUpdate.class);
                    remoteMicListener.onRemoteMicStatusUpdate(p.streamID(), p.status());
                }
                case Messages.PUBLISH_QUALITY_UPDATE ->
                        publishQualityListener.onPublishQualityUpdate(
                                SignalCodec.MAPPER.treeToValue(data, Messages.QualityUpdate.class));
                case Messages.PLAY_QUALITY_UPDATE ->
                        playQualityListener.onPlayQualityUpdate(
                                SignalCodec.MAPPER.treeToValue(data, Messages.QualityUpdate.class));
                default -> { }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("push " + name + " does not match this client's model", e);
        }
        pushListener.onPush(name, data);
    }

    /** The other users in the room (every room, in multi-room mode) as the pushes told this client (userUpdate on). */
    public synchronized List<String> roomUsers() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        users.values().forEach(m -> out.addAll(m.keySet()));
        return new ArrayList<>(out);
    }

    /** The other users in {@code roomID}. */
    public synchronized List<String> roomUsers(String roomID) {
        return new ArrayList<>(users.getOrDefault(roomID, Map.of()).keySet());
    }

    /** The other users' streams in the room (every room, in multi-room mode) as the pushes told this client. */
    public synchronized List<String> roomStreams() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        streams.values().forEach(m -> out.addAll(m.keySet()));
        return new ArrayList<>(out);
    }

    /** The other users' streams in {@code roomID}. */
    public synchronized List<String> roomStreams(String roomID) {
        return new ArrayList<>(streams.getOrDefault(roomID, Map.of()).keySet());
    }

    /** The last room state: LOGOUT, LOGINING, LOGINED, LOGIN_FAILED, KICKOUT… */
    public String roomState() {
        return state;
    }

    public int lastErrorCode() {
        return lastErrorCode;
    }

    public String roomId() {
        return roomId;
    }

    /** Closes the media transports and the WebSocket cleanly (the server treats it as leaving). */
    @Override
    public void close() {
        userClosed = true;
        reconnect.cancel();
        media.closeAll();
        ScheduledFuture<?> h = heartbeat;
        if (h != null) {
            h.cancel(false);
        }
        CompletableFuture<WsClient> c = connection;
        if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
            c.join().close();
        }
    }

    /**
     * Drops the connection without a close frame and does not come back: the server keeps the session until its
     * heartbeat timeout, as for a client that vanished. (A network cut the client survives is a test proxy's job.)
     */
    public void abort() {
        userClosed = true;
        reconnect.cancel();
        media.closeAll();
        ScheduledFuture<?> h = heartbeat;
        if (h != null) {
            h.cancel(false);
        }
        CompletableFuture<WsClient> c = connection;
        if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
            c.join().abort();
        }
    }

    /** Completes when the connection has closed (immediately if it never opened). */
    public CompletableFuture<WsClient.Closed> closed() {
        CompletableFuture<WsClient> c = connection;
        if (c == null) {
            return CompletableFuture.completedFuture(new WsClient.Closed(-1, "never connected"));
        }
        return c.thenCompose(WsClient::closed);
    }
}
