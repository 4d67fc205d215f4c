package io.parley.server.room;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.parley.protocol.AppId;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Identifiers;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.RoomStateReason;
import io.parley.server.auth.TokenClaims;
import io.parley.server.auth.TokenVerifier;
import io.parley.server.auth.TurnCredentials;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.sfu.MediaObserver;
import io.parley.server.sfu.MediaSessions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room registry's entry points. Requests arrive on the session's connection loop; AppID-wide claims
 * (userID, streamID) are taken there with atomic map operations, then the work hops to the room's loop.
 */
public final class RoomService {
    private static final Logger log = LoggerFactory.getLogger(RoomService.class);

    private final Map<Long, AppSpace> apps = new LinkedHashMap<>();
    private final TokenVerifier verifier;
    private final ParleyConfig.Session sessionConfig;
    /** TURN servers and credentials handed out at login ({@code turn.*}); set once at start. */
    private volatile TurnCredentials turn = TurnCredentials.OFF;
    private final ParleyConfig.Limits limits;
    private final RoomEvents events;
    private final MediaSessions media;
    private final List<RoomEvent.Listener> listeners = new CopyOnWriteArrayList<>();
    private final RoomEvent.Listener fanIn = e -> {
        for (RoomEvent.Listener l : listeners) {
            l.onEvent(e);
        }
    };
    private final AtomicLong sessionIds = new AtomicLong();
    private final ClaimStore claimStore;
    private final RoomDirectory directory;
    private final ResumeTokens resumeTokens = new ResumeTokens();
    private final Resumption resumption;
    private volatile boolean draining;
    private volatile RemoteMedia remote = RemoteMedia.DISABLED;
    private volatile AccessRules rules = AccessRules.NONE;
    private volatile ParleyConfig.RoomFeatures roomFeatures = ParleyConfig.RoomFeatures.DEFAULTS;
    private final TokenRenewal tokens;
    private final RoomFeatureService features;

    /** A single node: the embedded {@link ClaimStore} and {@link RoomDirectory} over in-memory maps. */
    public RoomService(List<AppConfig> apps, EventLoopGroup roomLoops, TokenVerifier verifier,
                       ParleyConfig.Session sessionConfig, RoomEvents events, MediaSessions media) {
        this(apps, roomLoops, verifier, sessionConfig, ParleyConfig.Limits.DEFAULTS, events, media);
    }

    /** With room-side limits (limits.*: streams per user and per room, rooms per App). */
    public RoomService(List<AppConfig> apps, EventLoopGroup roomLoops, TokenVerifier verifier,
                       ParleyConfig.Session sessionConfig, ParleyConfig.Limits limits, RoomEvents events, MediaSessions media) {
        this(apps, roomLoops, verifier, sessionConfig, limits, events, media, java.util.function.UnaryOperator.identity());
    }

    /**
     * With a cluster claim store: {@code claims} wraps this node's in-memory claims (the embedded store) in one that
     * also holds them cluster-wide (cluster.Cluster#claims).
     */
    public RoomService(List<AppConfig> apps, EventLoopGroup roomLoops, TokenVerifier verifier,
                       ParleyConfig.Session sessionConfig, ParleyConfig.Limits limits, RoomEvents events, MediaSessions media,
                       java.util.function.UnaryOperator<ClaimStore> claims) {
        this(apps, roomLoops, verifier, sessionConfig, limits, events, media, claims, java.util.function.UnaryOperator.identity());
    }

    /**
     * With cluster seams: {@code claims} as above, and {@code directory} wraps this node's room directory in one that
     * places rooms cluster-wide (cluster.Cluster#rooms).
     */
    public RoomService(List<AppConfig> apps, EventLoopGroup roomLoops, TokenVerifier verifier,
                       ParleyConfig.Session sessionConfig, ParleyConfig.Limits limits, RoomEvents events, MediaSessions media,
                       java.util.function.UnaryOperator<ClaimStore> claims,
                       java.util.function.UnaryOperator<RoomDirectory> directory) {
        this.limits = limits;
        for (AppConfig a : apps) {
            this.apps.put(a.appId(), new AppSpace(a));
        }
        this.verifier = verifier;
        this.sessionConfig = sessionConfig;
        this.events = events;
        this.media = media;
        this.tokens = new TokenRenewal(this, verifier, events, ParleyConfig.Auth.DEFAULTS.tokenWillExpireLead());
        this.features = new RoomFeatureService(tokens, roomFeatures);
        this.claimStore = claims.apply(new EmbeddedClaimStore(LOCAL_NODE, this.apps));
        this.resumption = new Resumption(this.apps, sessionConfig, resumeTokens, this::terminate);
        RoomDirectory[] self = new RoomDirectory[1];
        this.directory = self[0] = directory.apply(new EmbeddedRoomDirectory(LOCAL_NODE, this.apps, roomLoops,
                (app, id, loop) -> new Room(app, id, loop, new RoomContext(events, fanIn, media, claimStore, self[0],
                        () -> remote, limits, roomFeatures))));
    }

    /** Room features' limits and the tokenWillExpire lead (before the server takes traffic). */
    public void configure(ParleyConfig.RoomFeatures room, java.time.Duration tokenWillExpireLead) {
        this.roomFeatures = room;
        features.limits(room);
        tokens.lead(tokenWillExpireLead);
    }

    /** renewToken, extra info, messages and mute: the requests of {@link RoomFeatureService}. */
    public RoomFeatureService features() {
        return features;
    }

    /** The TURN servers (and the secret for their credentials) that login responses hand to clients. */
    public void turn(TurnCredentials credentials) {
        this.turn = credentials;
    }

    /** Plugs in the RTMP/HTTP-FLV edge (before the server takes traffic); without it those transports are refused. */
    public void attach(RemoteMedia remote) {
        this.remote = remote;
    }

    /** Plugs in the server API's forbid rules (before the server takes traffic). */
    public void attach(AccessRules rules) {
        this.rules = rules;
    }

    /** The name the embedded seams give this node. */
    public static final String LOCAL_NODE = "local";

    /**
     * Subscribes to every room's {@link RoomEvent}s: called on room loops, each room's in order. Subscribe before
     * the server takes traffic (a later subscriber misses what already happened).
     */
    public void subscribe(RoomEvent.Listener listener) {
        listeners.add(listener);
    }

    public Collection<AppSpace> apps() {
        return apps.values();
    }

    public AppSpace app(long appId) {
        return apps.get(appId);
    }

    /** Refuse new logins from now on (drain). */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** A new connection: its session starts the heartbeat clock at once. */
    public Session open(EventLoop home, Connection connection) {
        Session s = new Session(sessionIds.incrementAndGet(), home, connection, sessionConfig.replayBuffer());
        scheduleHeartbeatCheck(s);
        return s;
    }

    private void scheduleHeartbeatCheck(Session s) {
        long timeout = sessionConfig.heartbeatTimeout().toNanos();
        s.heartbeatCheck(s.home().schedule(() -> {
            if (s.state() == Session.State.CLOSED) {
                return;
            }
            if (s.silentNanos() >= timeout) {
                log.info("heartbeat timeout: {}", s);
                terminate(s, Termination.HEARTBEAT_TIMEOUT);
            } else {
                scheduleHeartbeatCheck(s);
            }
        }, s.scheduleDelayNanos(timeout), TimeUnit.NANOSECONDS));
    }

    public void login(Session s, RequestRef reqId, Messages.LoginRoom req) {
        long started = System.nanoTime();
        Session.State st = s.state();
        if (st == Session.State.LOGGING_IN) {
            throw new ProtocolException(ErrorCode.LOGIN_IN_PROGRESS, "a loginRoom is already in progress on this session");
        }
        if (st == Session.State.IN_ROOM && s.multiRoom) {
            loginAnother(s, reqId, req, started);
            return;
        }
        if (st == Session.State.IN_ROOM || st == Session.State.LEAVING) {
            Room in = s.room;
            throw new ProtocolException(ErrorCode.ALREADY_IN_ROOM, "already logged in to room '" + (in == null ? "?" : in.id())
                    + "' (expected: logoutRoom first; one room per session unless it logs in with config.multiRoom)");
        }
        if (st == Session.State.CLOSED) {
            throw new ProtocolException(ErrorCode.NOT_LOGGED_IN, "session closed");
        }
        if (draining) {
            throw loginFailure(s, req, new ProtocolException(ErrorCode.SERVER_DRAINING,
                    "server is shutting down: log in to another node"));
        }
        AppSpace app;
        RoomId roomId;
        UserId userId;
        Messages.User user;
        TokenClaims claims;
        int max;
        try {
            if (req.appID() == null) {
                throw new ProtocolException(ErrorCode.APP_ID_INVALID, "appID: missing (expected: the App's numeric AppID)");
            }
            app = apps.get(new AppId(req.appID()).value());
            if (app == null) {
                throw new ProtocolException(ErrorCode.APP_ID_INVALID, "appID " + req.appID() + " is not configured on this server");
            }
            roomId = new RoomId(req.roomID());
            if (req.user() == null) {
                throw new ProtocolException(ErrorCode.USER_ID_EMPTY, "user: missing (expected: {\"userID\":..., \"userName\":...})");
            }
            userId = new UserId(req.user().userID());
            user = new Messages.User(userId.value(), Identifiers.userName(req.user().userName(), userId.value()));
            Messages.RoomConfig cfg = req.config();
            max = cfg == null || cfg.maxMemberCount() == null ? 0 : cfg.maxMemberCount();
            if (max < 0) {
                throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "config.maxMemberCount: " + max + " (expected: >= 0, 0 = unlimited)");
            }
            if (directory.find(app.appId(), roomId) == null && app.roomCount() >= limits.maxRoomsPerApp()) {
                throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS, "App " + app.appId() + " has " + app.roomCount()
                        + " rooms open on this server (expected: at most limits.maxRoomsPerApp " + limits.maxRoomsPerApp()
                        + "): log in to an existing room or try later");
            }
            claims = verifier.verifyLogin(app.config, s.remoteAddress(), req.token(), userId.value(), roomId.value());
            String refusal = rules.loginRefusal(app.appId(), s.remoteAddress(), roomId, userId);
            if (refusal != null) {
                throw new ProtocolException(ErrorCode.LOGIN_FORBIDDEN, refusal);
            }
            s.userUpdate = cfg != null && Boolean.TRUE.equals(cfg.userUpdate());
            boolean multi = cfg != null && Boolean.TRUE.equals(cfg.multiRoom());
            if (multi && !app.config().multiRoom()) {
                throw new ProtocolException(ErrorCode.MULTI_ROOM_DISABLED, "config.multiRoom: App " + app.appId()
                        + " does not allow multi-room login (apps[].multiRoom)");
            }
            s.multiRoom = multi;
        } catch (ProtocolException e) {
            throw loginFailure(s, req, e);
        }
        if (!s.cas(Session.State.NEW, Session.State.LOGGING_IN)) {
            throw new ProtocolException(ErrorCode.LOGIN_IN_PROGRESS, "session state changed during login");
        }
        s.loginStartedNanos = started;
        s.app = app;
        s.userId = userId;
        s.user = user;
        s.claims = claims;
        s.resumeToken = resumeTokens.mint(app.appId(), userId.value(), Long.toString(s.id()));
        tokens.arm(s, claims);
        long intervalMs = sessionConfig.heartbeatInterval().toMillis();
        long timeoutMs = sessionConfig.heartbeatTimeout().toMillis();
        Messages.LoginResult result = new Messages.LoginResult(roomId.value(), Long.toString(s.id()), intervalMs, timeoutMs,
                claims.expireEpochSeconds(), s.resumeToken, turn.iceServers(userId.value(), Instant.now()));
        Stages.then(claimStore.claimUser(app.appId(), userId, s), previous -> {
            if (previous != null) {
                Room oldRoom = previous.local() == null ? null : previous.local().room();
                log.info("kickout (same userID logged in elsewhere) app={} user={} room={} (now logging in to room={})"
                                + " old session={} new session={}", app.appId(), userId,
                        oldRoom == null ? "?" : oldRoom.id(), roomId,
                        previous.local() == null ? "on " + previous.node() : previous.local().id(), s.id());
                events.kicked();
                if (previous.local() != null) {
                    terminate(previous.local(), Termination.KICKED_MULTIPLE_LOGIN);
                }
            }
            routeJoin(app, roomId, s, reqId, max, result);
        }, err -> abandonLogin(s, roomId, reqId, err));
    }

    /**
     * A further room for a multi-room session: the same App, userID and userName, a token for that room, at most
     * room.maxRoomsPerSession rooms. The user claim is the session's already; the room decides as for a first login.
     */
    private void loginAnother(Session s, RequestRef reqId, Messages.LoginRoom req, long started) {
        AppSpace app = s.app;
        RoomId roomId;
        TokenClaims claims;
        int max;
        try {
            if (req.appID() == null || req.appID() != app.appId()) {
                throw new ProtocolException(ErrorCode.APP_ID_INVALID, "appID " + req.appID() + ": every room of a session is in "
                        + "its App " + app.appId());
            }
            roomId = new RoomId(req.roomID());
            if (req.user() == null || !s.userId.value().equals(req.user().userID())
                    || !s.user.userName().equals(Identifiers.userName(req.user().userName(), s.userId.value()))) {
                throw new ProtocolException(ErrorCode.MULTI_ROOM_USER_MISMATCH, "user: " + (req.user() == null ? "missing"
                        : "'" + req.user().userID() + "'/'" + req.user().userName() + "'") + " (expected: the session's userID '"
                        + s.userId + "' and userName '" + s.user.userName() + "' in every room)");
            }
            if (s.rooms.containsKey(roomId)) {
                throw new ProtocolException(ErrorCode.ROOM_ALREADY_JOINED, "already logged in to room '" + roomId + "'");
            }
            int most = roomFeatures.maxRoomsPerSession();
            if (s.rooms.size() >= most) {
                throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS_PER_SESSION, "this session is in " + s.rooms.size()
                        + " rooms (expected: at most room.maxRoomsPerSession " + most + "): logoutRoom one first");
            }
            Messages.RoomConfig cfg = req.config();
            max = cfg == null || cfg.maxMemberCount() == null ? 0 : cfg.maxMemberCount();
            if (max < 0) {
                throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "config.maxMemberCount: " + max + " (expected: >= 0, 0 = unlimited)");
            }
            if (directory.find(app.appId(), roomId) == null && app.roomCount() >= limits.maxRoomsPerApp()) {
                throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS, "App " + app.appId() + " has " + app.roomCount()
                        + " rooms open on this server (expected: at most limits.maxRoomsPerApp " + limits.maxRoomsPerApp() + ")");
            }
            claims = verifier.verifyLogin(app.config, s.remoteAddress(), req.token(), s.userId.value(), roomId.value());
            String refusal = rules.loginRefusal(app.appId(), s.remoteAddress(), roomId, s.userId);
            if (refusal != null) {
                throw new ProtocolException(ErrorCode.LOGIN_FORBIDDEN, refusal);
            }
        } catch (ProtocolException e) {
            throw loginFailure(s, req, e);
        }
        if (!s.joining.compareAndSet(false, true)) {
            throw new ProtocolException(ErrorCode.LOGIN_IN_PROGRESS, "a loginRoom is already in progress on this session");
        }
        s.loginStartedNanos = started;
        s.claims = claims;
        tokens.arm(s, claims);
        Messages.LoginResult result = new Messages.LoginResult(roomId.value(), Long.toString(s.id()),
                sessionConfig.heartbeatInterval().toMillis(), sessionConfig.heartbeatTimeout().toMillis(),
                claims.expireEpochSeconds(), s.resumeToken, turn.iceServers(s.userId.value(), Instant.now()));
        claimStore.claimUser(app.appId(), s.userId, s); // the session's own claim: held again in case its rooms all left
        routeJoinAnother(app, roomId, s, reqId, max, result);
    }

    private void routeJoinAnother(AppSpace app, RoomId roomId, Session s, RequestRef reqId, int max, Messages.LoginResult result) {
        java.util.function.Consumer<Throwable> failed = err -> failAnother(s, roomId, reqId, err);
        Stages.then(directory.locate(app.appId(), roomId), placement -> {
            Room room = placement.room();
            if (room == null) {
                // Its members' signalling would go to that node, and this session's to this one. Answered here (not
                // thrown): a stage that completed at once would carry a throw past the failure handler.
                failed.accept(new ProtocolException(ErrorCode.MULTI_ROOM_OTHER_NODE, "room '" + roomId + "' is hosted on"
                        + " node " + placement.node() + " of the cluster, this session's rooms on this one (expected: a"
                        + " further room nobody hosts yet, or one on this node; or log in to it on a session of its own)"));
                return;
            }
            room.execute(() -> {
                if (!room.joinAnother(s, reqId, max, result)) {
                    routeJoinAnother(app, roomId, s, reqId, max, result);
                }
            });
        }, failed);
    }

    private void failAnother(Session s, RoomId roomId, RequestRef reqId, Throwable err) {
        s.joining.set(false);
        answerLoginFailure(s, roomId, reqId, err);
    }

    private void abandonLogin(Session s, RoomId roomId, RequestRef reqId, Throwable err) {
        s.cas(Session.State.LOGGING_IN, Session.State.NEW);
        answerLoginFailure(s, roomId, reqId, err);
    }

    /** Answers a login the registry could not complete (a first login, or a further room of a multi-room session). */
    private void answerLoginFailure(Session s, RoomId roomId, RequestRef reqId, Throwable failure) {
        Throwable err = Stages.unwrap(failure);
        if (err instanceof ProtocolException p) {
            // A refusal the claim store decided (cluster: Redis unavailable): a code the client can act on.
            events.loginFailed(p.code());
            s.pushState(roomId.value(), RoomStateReason.LOGIN_FAILED, p.code()); // before the answer, as loginFailure does
            s.respond(reqId, Messages.LOGIN_ROOM, p.code(), p.getMessage(), null);
            return;
        }
        log.warn("login failed in the registry: {}", s, err);
        s.respond(reqId, Messages.LOGIN_ROOM, ErrorCode.INTERNAL_ERROR, "internal error: " + err, null);
    }

    private ProtocolException loginFailure(Session s, Messages.LoginRoom req, ProtocolException e) {
        events.loginFailed(e.code());
        logRefusal(s, req, e);
        s.pushState(req.roomID() == null ? "" : req.roomID(), RoomStateReason.LOGIN_FAILED, e.code());
        return e;
    }

    /**
     * One line per refused login, never the token: INFO, or DEBUG for the refusals that come in floods (the
     * failed-login rate limit, the drain), so that an operator sees why a user could not join.
     */
    private static void logRefusal(Session s, Messages.LoginRoom req, ProtocolException e) {
        boolean flood = e.code() == ErrorCode.LOGIN_RATE_LIMITED || e.code() == ErrorCode.SERVER_DRAINING;
        if (flood ? !log.isDebugEnabled() : !log.isInfoEnabled()) {
            return;
        }
        String why = String.valueOf(e.getMessage());
        String token = req.token();
        if (token != null && token.length() >= 8) {
            why = why.replace(token, "<token>");
        }
        String line = "login refused app={} room={} user={} from={} code={}: {}";
        Object[] args = {req.appID(), printable(req.roomID()), printable(req.user() == null ? null : req.user().userID()),
                s.remoteAddress() == null ? "?" : s.remoteAddress().getHostAddress(), e.code(), printable(why)};
        if (flood) {
            log.debug(line, args);
        } else {
            log.info(line, args);
        }
    }

    /** A client's string for a log line: at most 128 characters, control characters escaped. */
    private static String printable(String v) {
        if (v == null) {
            return "-";
        }
        StringBuilder b = new StringBuilder(Math.min(v.length(), 128) + 8);
        for (int i = 0; i < v.length() && i < 128; i++) {
            char c = v.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : c);
        }
        return v.length() > 128 ? b.append("...").toString() : b.toString();
    }

    private void routeJoin(AppSpace app, RoomId roomId, Session s, RequestRef reqId, int max, Messages.LoginResult result) {
        java.util.function.Consumer<Throwable> failed = err -> {
            claimStore.releaseUser(app.appId(), s.userId, s);
            abandonLogin(s, roomId, reqId, err);
        };
        Stages.then(directory.locate(app.appId(), roomId), placement -> {
            Room room = placement.room();
            if (room == null) {
                // The gateway routed this login here, and the room moved meanwhile (it closed and another node opened
                // it). Answered here, not thrown (see routeJoinAnother).
                failed.accept(new ProtocolException(ErrorCode.ROOM_NODE_UNAVAILABLE, "login failed: room '" + roomId
                        + "' is now hosted on node " + placement.node() + ": log in again"));
                return;
            }
            room.execute(() -> {
                if (!room.join(s, reqId, max, result)) {
                    routeJoin(app, roomId, s, reqId, max, result);
                }
            });
        }, failed);
    }

    public void logout(Session s, RequestRef reqId, Messages.LogoutRoom req) {
        if (s.multiRoom && s.state() == Session.State.IN_ROOM
                && (s.rooms.size() > 1 || (req.roomID() != null && s.rooms.size() == 1 && !s.rooms.containsKey(new RoomId(req.roomID()))))) {
            logoutOf(s, reqId, req.roomID());
            return;
        }
        Room room = s.room;
        if (s.state() != Session.State.IN_ROOM || room == null) {
            throw new ProtocolException(ErrorCode.NOT_LOGGED_IN, "not logged in to any room");
        }
        if (req.roomID() != null && !req.roomID().equals(room.id().value())) {
            throw new ProtocolException(ErrorCode.NOT_IN_THIS_ROOM, "not logged in to room '" + req.roomID()
                    + "' (logged in to '" + room.id() + "')");
        }
        if (!s.cas(Session.State.IN_ROOM, Session.State.LEAVING)) {
            throw new ProtocolException(ErrorCode.NOT_LOGGED_IN, "not logged in to any room");
        }
        room.execute(() -> {
            room.leave(s, LeaveReason.LOGOUT);
            if (s.cas(Session.State.LEAVING, Session.State.NEW)) {
                s.room = null;
                s.respond(reqId, Messages.LOGOUT_ROOM, ErrorCode.OK, "OK", null);
            }
        });
    }

    /**
     * logoutRoom of a session in several rooms: leaves {@code roomID}, or every room when it is null. The session stays
     * IN_ROOM while it has a room left; the last one out returns it to NEW.
     */
    private void logoutOf(Session s, RequestRef reqId, String roomID) {
        List<Room> leaving;
        if (roomID == null) {
            leaving = List.copyOf(s.rooms.values());
        } else {
            Room r = s.rooms.get(new RoomId(roomID));
            if (r == null) {
                throw new ProtocolException(ErrorCode.NOT_IN_THIS_ROOM, "not logged in to room '" + roomID + "' (logged in to "
                        + s.rooms.keySet() + ")");
            }
            leaving = List.of(r);
        }
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(leaving.size());
        for (Room r : leaving) {
            r.execute(() -> {
                r.leave(s, LeaveReason.LOGOUT);
                if (left.decrementAndGet() == 0) {
                    if (s.rooms.isEmpty() && s.cas(Session.State.IN_ROOM, Session.State.NEW)) {
                        s.room = null;
                    }
                    s.respond(reqId, Messages.LOGOUT_ROOM, ErrorCode.OK, "OK", null);
                }
            });
        }
    }

    public void startPublishing(Session s, RequestRef reqId, Messages.StartPublishing req) {
        Room room = requireRoom(s, req.roomID());
        StreamId streamId = new StreamId(req.streamID());
        String extra = Identifiers.extraInfo(req.extraInfo());
        verifier.verifyPublish(s.claims, streamId.value());
        String refusal = rules.publishRefusal(s.app.appId(), s.remoteAddress(), room.id(), s.userId, streamId);
        if (refusal != null) {
            throw new ProtocolException(ErrorCode.PUBLISH_FORBIDDEN, refusal);
        }
        boolean rtmp = transport(req.transport(), false);
        if (rtmp && room != s.room) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "transport rtmp: only in the session's first room '"
                    + s.room.id() + "' (multi-room)");
        }
        if (rtmp && req.sdp() != null) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "sdp: not allowed with transport rtmp (the push URL replaces it)");
        }
        if (req.mid() != null && (rtmp || req.sdp() == null || req.mid().isEmpty())) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "mid: " + (rtmp ? "not allowed with transport rtmp"
                    : req.mid().isEmpty() ? "empty" : "needs sdp (the session's bundled offer)"));
        }
        PublishedStream st = new PublishedStream(streamId, s, s.user, extra, rtmp);
        Stages.then(claimStore.claimStream(s.app.appId(), streamId, st),
                holder -> publishClaimed(s, room, st, holder, reqId, req),
                err -> s.respond(reqId, Messages.START_PUBLISHING, err instanceof ProtocolException p ? p.code()
                        : ErrorCode.INTERNAL_ERROR, String.valueOf(err.getMessage()), null));
    }

    private void publishClaimed(Session s, Room room, PublishedStream st, ClaimStore.Holder<PublishedStream> holder,
                                RequestRef reqId, Messages.StartPublishing req) {
        StreamId streamId = st.id;
        if (holder.local() != st) {
            PublishedStream prev = holder.local();
            if (prev != null && prev.publisher == s) {
                throw new ProtocolException(ErrorCode.ALREADY_PUBLISHING, "streamID '" + streamId + "' is already published by you");
            }
            throw new ProtocolException(ErrorCode.STREAM_ID_DUPLICATE, "streamID '" + streamId
                    + "' is already published by another user (streamIDs are unique per AppID)");
        }
        if (st.rtmp) {
            RemoteMedia.Url url;
            try {
                url = remote.publishUrl(s, streamId);
            } catch (RuntimeException e) {
                claimStore.releaseStream(s.app.appId(), streamId, st);
                throw e;
            }
            room.execute(() -> room.addRtmpStream(st, reqId, url));
            return;
        }
        MediaObserver observer = new SessionMediaObserver(s, room, streamId.value(), true, () -> room.mediaEnded(st));
        try {
            st.producer = req.sdp() == null ? media.announce(room.mediaLoop(), streamId.value(), observer)
                    : req.mid() != null ? media.publishBundled(room.mediaLoop(), s.mediaTransport, streamId.value(),
                            req.sdp(), req.mid(), observer)
                    : media.publish(room.mediaLoop(), streamId.value(), req.sdp(), observer);
        } catch (ProtocolException e) {
            claimStore.releaseStream(s.app.appId(), streamId, st);
            throw e;
        }
        room.execute(() -> room.addStream(st, reqId));
    }

    public void stopPublishing(Session s, RequestRef reqId, Messages.StopPublishing req) {
        Room room = requireRoom(s, req.roomID());
        StreamId streamId = new StreamId(req.streamID());
        String sdp = req.sdp();
        room.execute(() -> room.removeStream(s, streamId, sdp, reqId));
    }

    public void startPlaying(Session s, RequestRef reqId, Messages.StartPlaying req) {
        Room room = requireRoom(s, req.roomID());
        StreamId streamId = new StreamId(req.streamID());
        if (transport(req.transport(), true)) {
            if (req.mid() != null) {
                throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "mid: not allowed with transport " + req.transport());
            }
            if (room != s.room) {
                throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "transport " + req.transport()
                        + ": only in the session's first room '" + s.room.id() + "' (multi-room)");
            }
            String transport = req.transport();
            room.execute(() -> room.playRemote(s, streamId, transport, reqId));
            return;
        }
        if (req.sdp() == null || req.sdp().isEmpty()) {
            throw new ProtocolException(ErrorCode.PLAY_SDP_REFUSED, "sdp: missing (expected: a WebRTC offer, audio recvonly)");
        }
        MediaObserver observer = new SessionMediaObserver(s, room, streamId.value(), false, () -> { });
        if (req.mid() != null && req.mid().isEmpty()) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "mid: empty");
        }
        room.execute(() -> room.play(s, streamId, req.sdp(), req.mid(), reqId, observer));
    }

    public void stopPlaying(Session s, RequestRef reqId, Messages.StopPlaying req) {
        Room room = requireRoom(s, req.roomID());
        StreamId streamId = new StreamId(req.streamID());
        String sdp = req.sdp();
        room.execute(() -> room.stopPlaying(s, streamId, sdp, reqId));
    }

    /** True for rtmp (or flv when playing), false for webrtc or none; anything else is refused. */
    private static boolean transport(String t, boolean play) {
        if (t == null || t.equals(Messages.WEBRTC)) {
            return false;
        }
        if (t.equals(Messages.RTMP) || (play && t.equals(Messages.FLV))) {
            return true;
        }
        throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "transport: '" + t + "' (expected: webrtc or rtmp"
                + (play ? ", or flv" : "") + ")");
    }

    private static Room requireRoom(Session s, String roomID) {
        return RoomFeatureService.roomOf(s, roomID);
    }

    /** The client closed its WebSocket (close frame): it is gone for good. */
    public void connectionClosed(Session s) {
        terminate(s, Termination.CONNECTION_CLOSED);
    }

    /**
     * The connection dropped without a close frame: a session in a room stays until the heartbeat timeout
     * (the window in which a client may come back, {@link #resume}); any other session ends now. A connection a
     * resume displaced no longer carries its session and changes nothing.
     */
    public void connectionLost(Session s, Connection c) {
        if (!s.carriedBy(c)) {
            return;
        }
        s.detach(c);
        Session.State st = s.state();
        if (st != Session.State.IN_ROOM && st != Session.State.LEAVING) {
            terminate(s, Termination.CONNECTION_CLOSED);
        }
    }

    /**
     * resumeSession: the session named by the request is carried by {@code fresh}'s connection from now on
     * ({@link Resumption}); returns it, or throws with the code the client must act on.
     */
    public Session resume(Session fresh, RequestRef reqId, Messages.ResumeSession req) {
        return resumption.resume(fresh, reqId, req, draining);
    }

    /**
     * heartbeat with {@code ack}: the client handled every push up to that seq. A seq this session never sent (negative,
     * or past its newest push; before a login that is anything but 0) is a client bug: refused, nothing let go.
     */
    public void ack(Session s, long seq) {
        long newest = s.lastSeq();
        if (seq < 0 || seq > newest) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "ack: " + seq + " (expected: 0.." + newest
                    + ", the highest push seq this session has been sent)");
        }
        s.ack(seq);
    }

    /** Ends a session for good: it leaves its room (streams deleted with the termination's reason) and is closed. */
    public void terminate(Session s, Termination t) {
        if (s.termination == null) {
            s.termination = t;
        }
        Session.State prev = s.close();
        if (prev == Session.State.CLOSED) {
            return;
        }
        Room room = s.room;
        if ((prev == Session.State.IN_ROOM || prev == Session.State.LEAVING) && room != null) {
            s.noteRoomsForKickout();
            s.leaveOtherRooms(room, t.leaveReason());
            room.execute(() -> {
                room.leave(s, t.leaveReason());
                s.finish(t);
            });
        } else if (prev == Session.State.LOGGING_IN) {
            // The join on the room loop sees CLOSED, answers the login and finishes the session.
        } else {
            AppSpace app = s.app;
            if (app != null && s.userId != null) {
                claimStore.releaseUser(app.appId(), s.userId, s);
            }
            s.finish(t);
        }
    }

    /**
     * A later login of the same userID won on another node (or took the claim while this node could not reach the
     * cluster store): {@code s} is kicked as if that login had happened here (KICKOUT 1002050). Completes once it has
     * left its room, so that the winner joins after it is gone.
     */
    public CompletionStage<Void> supersede(Session s) {
        terminate(s, Termination.KICKED_MULTIPLE_LOGIN);
        // Read after the close: a join that won the race set the room before entering it, so its leave is queued there.
        Room room = s.room;
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (room == null) {
            done.complete(null);
        } else {
            room.execute(() -> done.complete(null)); // after the leave that terminate queued on the same loop
        }
        return done;
    }

    /**
     * The connection of {@code s} (a fresh session, before any login) now carries a session relayed to another node:
     * {@code s} ends here without closing it.
     */
    public void handOff(Session s) {
        if (s.state() == Session.State.NEW) {
            s.discard();
        }
    }

    /** A login refused before it reached the registry (cluster relay): counted, roomStateChanged, then the reply. */
    public void refuseLogin(Session s, RequestRef reqId, String roomId, int code, String message) {
        events.loginFailed(code);
        s.pushState(roomId, RoomStateReason.LOGIN_FAILED, code);
        s.respond(reqId, Messages.LOGIN_ROOM, code, message, null);
    }

    /** Kicks every session (drain). */
    public void kickAll(Termination t) {
        for (AppSpace app : apps.values()) {
            for (Session s : app.users.values()) {
                if (t.pushKickout && s.state() != Session.State.CLOSED) {
                    events.kicked();
                }
                terminate(s, t);
            }
        }
    }

    /** Pushes one notice to every logged-in session (drain notice); encoded once. Returns how many were sent. */
    public int pushAll(Signal.Push push) {
        Signal.Shared shared = new Signal.Shared(push);
        int n = 0;
        for (AppSpace app : apps.values()) {
            for (Session s : app.users.values()) {
                s.send(shared);
                n++;
            }
        }
        return n;
    }

    // ---- the server API: each call is decided on the room's loop, like a member's request ----

    /** The room hosted here, or null (none, or on another node: this build has no relay to it). */
    private Room hosted(long appId, RoomId roomId) {
        return directory.find(appId, roomId);
    }

    /** Runs {@code task} on the room's loop; completes with {@code absent} when the room does not exist (or closed). */
    private <T> CompletionStage<T> onRoom(long appId, RoomId roomId, T absent, java.util.function.Function<Room, T> task) {
        Room room = hosted(appId, roomId);
        if (room == null) {
            return CompletableFuture.completedFuture(absent);
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        room.execute(() -> {
            try {
                f.complete(room.isClosed() ? absent : task.apply(room));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** KickoutUser: each userID that is a member of the room is kicked (KICKOUT 1002055 with the reason). */
    public CompletionStage<List<UserId>> kickOut(long appId, RoomId roomId, List<UserId> users, String customReason) {
        return onRoom(appId, roomId, List.of(), room -> {
            List<UserId> kicked = new ArrayList<>();
            for (UserId u : users) {
                if (room.kick(u, Termination.KICKED_BY_SERVER, customReason)) {
                    kicked.add(u);
                }
            }
            log.info("kickout by the server API app={} room={} users={} kicked={}", appId, roomId, users, kicked);
            return kicked;
        });
    }

    /**
     * CloseRoom: every member is kicked (KICKOUT 1002055), so the room closes. {@code beforeOnLoop} runs on the room's
     * loop first (the webhook outbox marks the room). Completes with the number kicked, or -1 when there is no room.
     */
    public CompletionStage<Integer> closeRoom(long appId, RoomId roomId, String customReason, Runnable beforeOnLoop) {
        return onRoom(appId, roomId, -1, room -> {
            beforeOnLoop.run();
            int n = room.close(customReason);
            log.info("room closed by the server API app={} room={} kicked={}", appId, roomId, n);
            return n;
        });
    }

    /** The room's members and streams, or null when there is no such room. */
    public CompletionStage<RoomView> describe(long appId, RoomId roomId) {
        return onRoom(appId, roomId, null, Room::view);
    }

    /**
     * DeleteStream (code 6 to peers, 0 to its publisher) and ForbidRTCStream (6 to peers, 1003025 to its publisher).
     * Completes true when the stream was in the room.
     */
    public CompletionStage<Boolean> deleteStream(long appId, RoomId roomId, StreamId streamId, int publisherCode) {
        return onRoom(appId, roomId, false, room -> room.deleteStream(streamId,
                io.parley.protocol.signal.StreamDeleteCode.REMOVED_BY_SERVER, publisherCode));
    }

    /** ForbidRTCStream: the stream, wherever in the App it is published, is deleted as {@link #deleteStream}. */
    public CompletionStage<Boolean> deleteStream(long appId, StreamId streamId, int publisherCode) {
        AppSpace app = apps.get(appId);
        PublishedStream st = app == null ? null : app.streams.get(streamId);
        Room room = st == null ? null : st.publisher.room;
        if (room == null) {
            return CompletableFuture.completedFuture(false);
        }
        return deleteStream(appId, room.id(), streamId, publisherCode);
    }

    /** What {@link #addStream} found. */
    public enum AddResult { ADDED, NO_ROOM, STREAM_EXISTS }

    /** AddStream: a stream with no media announced in an existing room as published by {@code user}. */
    public CompletionStage<AddResult> addStream(long appId, RoomId roomId, UserId user, String userName, StreamId streamId,
                                                String extraInfo) {
        AppSpace app = apps.get(appId);
        Room room = hosted(appId, roomId);
        if (app == null || room == null) {
            return CompletableFuture.completedFuture(AddResult.NO_ROOM);
        }
        Session owner = new Session(0, null, null);
        owner.app = app;
        owner.userId = user;
        owner.user = new Messages.User(user.value(), Identifiers.userName(userName, user.value()));
        owner.close();
        PublishedStream st = new PublishedStream(streamId, owner, owner.user, extraInfo, false);
        CompletableFuture<AddResult> f = new CompletableFuture<>();
        Stages.then(claimStore.claimStream(appId, streamId, st), holder -> {
            if (holder.local() != st) {
                f.complete(AddResult.STREAM_EXISTS);
                return;
            }
            room.execute(() -> f.complete(room.addServerStream(st) ? AddResult.ADDED : AddResult.NO_ROOM));
        }, f::completeExceptionally);
        return f;
    }

    /** The App's open rooms on this node, by roomID (empty for an unknown App); a room may close right after. */
    public List<RoomId> roomIds(long appId) {
        AppSpace app = apps.get(appId);
        if (app == null) {
            return List.of();
        }
        List<RoomId> ids = new ArrayList<>();
        app.rooms.forEach((id, room) -> {
            if (!room.isClosed()) {
                ids.add(id);
            }
        });
        ids.sort(Comparator.comparing(RoomId::value));
        return ids;
    }

    /** A consistent view of one room, taken on its loop. */
    public CompletableFuture<RoomSnapshot> snapshot(long appId, String roomId) {
        Room room = directory.find(appId, new RoomId(roomId));
        if (room == null) {
            return CompletableFuture.completedFuture(RoomSnapshot.empty(roomId));
        }
        CompletableFuture<RoomSnapshot> f = new CompletableFuture<>();
        room.execute(() -> f.complete(room.isClosed() ? RoomSnapshot.empty(roomId) : room.snapshot()));
        return f;
    }

    public int roomCount() {
        int n = 0;
        for (AppSpace a : apps.values()) {
            n += a.roomCount();
        }
        return n;
    }

    public int memberCount() {
        int n = 0;
        for (AppSpace a : apps.values()) {
            n += a.userCount();
        }
        return n;
    }

    public int streamCount() {
        int n = 0;
        for (AppSpace a : apps.values()) {
            n += a.streamCount();
        }
        return n;
    }
}
