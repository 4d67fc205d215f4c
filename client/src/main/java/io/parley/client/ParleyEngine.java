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
    private final Map<String, Messages.User> users = new LinkedHashMap<>();
    private final Map<String, Messages.StreamInfo> streams = new LinkedHashMap<>();
    private volatile CompletableFuture<WsClient> connection;
    private volatile ScheduledFuture<?> heartbeat;
    private volatile String roomId;
    private volatile String state = "LOGOUT";
    private volatile int lastErrorCode;
    private final MediaStreams media = new MediaStreams();
    private final Reconnect reconnect = new Reconnect(this);
    /** The last login, for a fresh login when a resume is refused; its session's credential. */
    private volatile Messages.LoginRoom loginRequest;
    private volatile String sessionId;
    private volatile String resumeToken;
    /** The highest push seq handled on this session (0: none); pushes at or below it are duplicates. */
    private final AtomicLong lastSeq = new AtomicLong();
    private volatile boolean reconnecting;
    private volatile boolean relogging;
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

    /** Timeouts and socket of the media transports started from now on. */
    public void setMediaConfig(MediaConfig config) {
        media.config(config);
    }

    public CompletableFuture<Result> loginRoom(String roomID, String token, Messages.User user, Messages.RoomConfig config) {
        state = "LOGINING";
        userClosed = false;
        fireState(roomID, "LOGINING", 0, "");
        Messages.LoginRoom req = new Messages.LoginRoom(appId, roomID, token, user, config);
        loginRequest = req;
        return request(Messages.LOGIN_ROOM, req).thenApply(r -> {
            if (r.ok()) {
                loggedIn(req, r);
            }
            return r;
        });
    }

    private void loggedIn(Messages.LoginRoom req, Result r) {
        roomId = req.roomID();
        sessionId = r.data().path("sessionID").asText(null);
        resumeToken = r.data().path("resumeToken").asText(null);
        startHeartbeat(r.data().path("heartbeatInterval").asLong(30_000));
    }

    public CompletableFuture<Result> logoutRoom() {
        String r = roomId;
        return logoutRoom(r);
    }

    public CompletableFuture<Result> logoutRoom(String roomID) {
        if (reconnecting || "RECONNECT_FAILED".equals(state)) { // no server to tell: the session times out there
            reconnect.cancel();
            reconnecting = false;
            leftRoom(roomID);
            return CompletableFuture.completedFuture(new Result(0, "OK", SignalCodec.MAPPER.createObjectNode()));
        }
        return request(Messages.LOGOUT_ROOM, new Messages.LogoutRoom(roomID)).thenApply(r -> {
            if (r.ok()) {
                leftRoom(roomID);
            }
            return r;
        });
    }

    private void leftRoom(String roomID) {
        synchronized (this) {
            users.clear();
            streams.clear();
        }
        roomId = null;
        sessionId = null;
        resumeToken = null;
        state = "LOGOUT";
        media.closeAll();
        fireState(roomID, "LOGOUT", 0, "");
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

    public CompletableFuture<Result> startPublishing(String streamID, String extraInfo) {
        return request(Messages.START_PUBLISHING, new Messages.StartPublishing(streamID, extraInfo));
    }

    /** Stops publishing; closes the stream's media transport first, if {@link #startPublishingMedia} opened one. */
    public CompletableFuture<Result> stopPublishing(String streamID) {
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
        if (c == null || (c.isDone() && !c.isCompletedExceptionally() && !c.join().isOpen())) {
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
            fireState(roomId, "RECONNECTING", ErrorCode.NETWORK_BROKEN, "");
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
        fireState(roomId, "RECONNECTED", 0, "");
    }

    /** The session is gone on the server: what this client knew of it goes (peers are told DELETE, then ADD anew). */
    void sessionLost() {
        lastSeq.set(0);
        media.closeAll();
        String rid = roomId;
        List<Messages.User> goneUsers;
        List<Messages.StreamInfo> goneStreams;
        synchronized (this) {
            goneUsers = new ArrayList<>(users.values());
            goneStreams = new ArrayList<>(streams.values());
            users.clear();
            streams.clear();
        }
        if (!goneStreams.isEmpty()) {
            streamListener.onRoomStreamUpdate(rid, Messages.DELETE, goneStreams, "");
        }
        if (!goneUsers.isEmpty()) {
            userListener.onRoomUserUpdate(rid, Messages.DELETE, goneUsers);
        }
    }

    /** A fresh login with the last login's parameters, on the attempt's connection. */
    CompletableFuture<Result> relogin(WsClient ws) {
        relogging = true;
        Messages.LoginRoom req = loginRequest;
        return requestOn(ws, Messages.LOGIN_ROOM, req).thenApply(r -> {
            if (r.ok()) {
                loggedIn(req, r);
            }
            return r;
        });
    }

    void reloggedIn(Result r, int why) {
        reconnecting = false; // relogging stays on until the login's LOGINED push, which follows its answer
        state = "RECONNECTED";
        lastErrorCode = 0;
        fireState(roomId, "RECONNECTED", 0, "{\"relogin\":" + why + "}");
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
        fireState(roomId, "RECONNECT_FAILED", code, why == null ? "" : why);
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
                    if (relogging && "LOGINED".equals(p.reason())) {
                        relogging = false;
                        break; // the login that repairs a lost session: reported as RECONNECTED when it answered
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
                        }
                        media.closeAll();
                    }
                    fireState(p.roomID(), p.reason(), p.errorCode(), p.extendedData());
                }
                case Messages.ROOM_USER_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.RoomUserUpdate.class);
                    synchronized (this) {
                        for (Messages.User u : p.userList()) {
                            if (Messages.ADD.equals(p.updateType())) {
                                users.put(u.userID(), u);
                            } else {
                                users.remove(u.userID());
                            }
                        }
                    }
                    userListener.onRoomUserUpdate(p.roomID(), p.updateType(), p.userList());
                }
                case Messages.ROOM_STREAM_UPDATE -> {
                    var p = SignalCodec.MAPPER.treeToValue(data, Messages.RoomStreamUpdate.class);
                    synchronized (this) {
                        for (Messages.StreamInfo s : p.streamList()) {
                            if (Messages.ADD.equals(p.updateType())) {
                                streams.put(s.streamID(), s);
                            } else {
                                streams.remove(s.streamID());
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

    /** The other users in the room as the pushes told this client (only with userUpdate on). */
    public synchronized List<String> roomUsers() {
        return new ArrayList<>(users.keySet());
    }

    /** The other users' streams in the room as the pushes told this client. */
    public synchronized List<String> roomStreams() {
        return new ArrayList<>(streams.keySet());
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
