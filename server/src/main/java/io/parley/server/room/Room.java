package io.parley.server.room;

import io.netty.channel.EventLoop;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.RoomStateReason;
import io.parley.protocol.signal.StreamDeleteCode;
import io.parley.server.config.ParleyConfig;
import io.parley.server.sfu.Consumer;
import io.parley.server.sfu.EndReason;
import io.parley.server.sfu.MediaObserver;
import io.parley.server.sfu.MediaLoop;
import io.parley.server.sfu.MediaSessions;
import io.parley.server.sfu.PlayState;
import io.parley.server.sfu.Producer;
import io.parley.server.sfu.PublishState;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room pinned to one event loop: every method below runs on that loop ({@link #execute}), so its state needs no
 * lock. It speaks domain types only: requests arrive as calls with a {@link RequestRef}, answers and notifications
 * leave as {@link Signal}s, and what happens is emitted as {@link RoomEvent}s in order.
 * Lifecycle: open (created by its first login) → closed (with its last member); closed is final.
 */
public final class Room {
    private static final Logger log = LoggerFactory.getLogger(Room.class);

    private final AppSpace app;
    private final RoomId id;
    /** The login's stream list comes in pushes of at most this many streams (PROTOCOL.md), so no frame is huge. */
    static final int STREAM_LIST_PAGE = 100;

    private final EventLoop loop;
    private final RoomEvents events;
    private final RoomEvent.Listener listener;
    private final MediaSessions media;
    /** The media loop this room's streams (and their players) live on; null without a media plane. */
    private final MediaLoop mediaLoop;
    private final ClaimStore claims;
    private final RoomDirectory directory;
    private final Supplier<RemoteMedia> remote;
    private final ParleyConfig.Limits limits;
    private final Map<UserId, Member> members = new LinkedHashMap<>();
    private final Map<StreamId, PublishedStream> streams = new LinkedHashMap<>();
    private final RoomExtraInfo extras;
    private final Messaging messaging;
    private final OnlineCount online;
    private int maxMemberCount;
    private final JoinCoalescer joins;
    /** Members with {@link Member#listed}: at most limits.userUpdateLimit. */
    private int listedCount;
    private boolean announced;
    private volatile boolean closed;

    Room(AppSpace app, RoomId id, EventLoop loop, RoomContext context) {
        this.app = app;
        this.id = id;
        this.loop = loop;
        this.events = context.events();
        this.listener = context.listener();
        this.media = context.media();
        this.mediaLoop = media == null ? null : media.place();
        this.claims = context.claims();
        this.directory = context.directory();
        this.remote = context.remote();
        this.limits = context.limits();
        this.joins = new JoinCoalescer(loop, limits.joinCoalesceWindow(), this::announceJoins);
        this.extras = new RoomExtraInfo(this, context.features());
        this.messaging = new Messaging(this, context.features());
        this.online = new OnlineCount(this, context.features().onlineCountInterval());
    }

    EventLoop loop() {
        return loop;
    }

    RoomEvents events() {
        return events;
    }

    RoomExtraInfo extras() {
        return extras;
    }

    Messaging messaging() {
        return messaging;
    }

    /** The member that {@code s} is in this room, or null (left, kicked, or never joined). */
    /**
     * A resumed session gets the room's member count now (counts are not numbered nor replayed: a stale one would only
     * be superseded), after the pushes it missed. Any thread: hops to the room's loop.
     */
    void resumed(Session s) {
        execute(() -> {
            if (!closed && memberOf(s) != null) {
                online.tell(s);
            }
        });
    }

    Member memberOf(Session s) {
        Member m = members.get(s.userId);
        return m == null || m.session != s ? null : m;
    }

    Member memberOf(UserId user) {
        return members.get(user);
    }

    /** {@code st} is in the room's stream list (peers were told ADD). */
    boolean isAnnounced(PublishedStream st) {
        return streams.get(st.id) == st;
    }

    /**
     * Why {@code m} may not add a stream (limits.maxStreamsPerUser, limits.maxStreamsPerRoom; the room's cap also bounds
     * the stream list a login is sent), or null when it may.
     */
    private String streamLimit(Member m) {
        if (m.streams.size() >= limits.maxStreamsPerUser()) {
            return "user '" + m.session.userId + "' already publishes " + m.streams.size()
                    + " streams (expected: at most limits.maxStreamsPerUser " + limits.maxStreamsPerUser() + ")";
        }
        if (streams.size() >= limits.maxStreamsPerRoom()) {
            return "room '" + id + "' already has " + streams.size() + " streams (expected: at most limits.maxStreamsPerRoom "
                    + limits.maxStreamsPerRoom() + ")";
        }
        return null;
    }

    AppSpace app() {
        return app;
    }

    public long appId() {
        return app.appId();
    }

    /** The media loop of this room's streams (null without a media plane). Any thread. */
    public MediaLoop mediaLoop() {
        return mediaLoop;
    }

    public RoomId id() {
        return id;
    }

    /** Runs a task on the room's loop; once the server is shutting down, room state is being discarded anyway. */
    void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            if (!loop.isShuttingDown()) {
                throw e;
            }
            log.debug("room task dropped during shutdown app={} room={}", app.appId(), id);
        }
    }

    /** The room has closed (its last member left); a directory opens a fresh one for the next login. */
    public boolean isClosed() {
        return closed;
    }

    /** Second half of a login; false when the room closed meanwhile and the caller must pick a fresh one. */
    boolean join(Session s, RequestRef reqId, int requestedMax, Messages.LoginResult result) {
        if (closed) {
            return false;
        }
        if (s.state() != Session.State.LOGGING_IN) {
            // Kicked or disconnected while its login was on the way here.
            claims.releaseUser(app.appId(), s.userId, s);
            abandon(s, reqId);
            destroyIfEmpty();
            return true;
        }
        Member stale = members.get(s.userId);
        if (stale != null) {
            // Defensive: a kick decided elsewhere has not reached us yet.
            stale.session.termination = Termination.KICKED_MULTIPLE_LOGIN;
            stale.session.close();
            stale.session.noteRoomsForKickout();
            leave(stale.session, LeaveReason.KICKED_MULTIPLE_LOGIN);
            stale.session.leaveOtherRooms(this, LeaveReason.KICKED_MULTIPLE_LOGIN);
            stale.session.finish(Termination.KICKED_MULTIPLE_LOGIN);
        }
        if (members.isEmpty()) {
            maxMemberCount = requestedMax;
        } else if (maxMemberCount > 0 && members.size() >= maxMemberCount) {
            claims.releaseUser(app.appId(), s.userId, s);
            s.cas(Session.State.LOGGING_IN, Session.State.NEW);
            String msg = "room '" + id + "' is full: " + members.size() + " members (maxMemberCount " + maxMemberCount + ")";
            s.respond(reqId, Messages.LOGIN_ROOM, ErrorCode.ROOM_FULL, msg, null);
            s.pushState(id.value(), RoomStateReason.LOGIN_FAILED, ErrorCode.ROOM_FULL);
            events.loginFailed(ErrorCode.ROOM_FULL);
            return true;
        }
        s.room = this;
        s.rooms.put(id, this);
        if (!s.cas(Session.State.LOGGING_IN, Session.State.IN_ROOM)) {
            s.room = null;
            s.rooms.remove(id, this);
            claims.releaseUser(app.appId(), s.userId, s);
            abandon(s, reqId);
            destroyIfEmpty();
            return true;
        }
        enter(s, reqId, result);
        return true;
    }

    /**
     * A login ended on its way here (a later login of the userID won, a kick, a drop): it is answered with why, and,
     * never having got in, its room state goes LOGINING → LOGIN_FAILED with that code for this room (not KICKOUT,
     * which is for a member), then the session ends.
     */
    private void abandon(Session s, RequestRef reqId) {
        Termination t = s.termination;
        int code = t == null || t.code == 0 ? ErrorCode.NOT_LOGGED_IN : t.code;
        s.respond(reqId, Messages.LOGIN_ROOM, code, "login abandoned: " + (t == null ? "session closed"
                : t.name().toLowerCase(java.util.Locale.ROOT) + " (" + code + ")"), null);
        if (t != null && t.pushKickout) {
            s.pushState(id.value(), RoomStateReason.LOGIN_FAILED, code);
            s.kickRooms = List.of(); // told above; no KICKOUT
        }
        s.finish(t == null ? Termination.CONNECTION_CLOSED : t);
    }

    /**
     * A further room of a multi-room session (already IN_ROOM elsewhere); false when this room closed meanwhile and the
     * caller must pick a fresh one. The session's user claim is already held.
     */
    boolean joinAnother(Session s, RequestRef reqId, int requestedMax, Messages.LoginResult result) {
        if (closed) {
            return false;
        }
        if (s.state() != Session.State.IN_ROOM || members.containsKey(s.userId)) {
            s.joining.set(false);
            s.respond(reqId, Messages.LOGIN_ROOM, s.state() == Session.State.IN_ROOM ? ErrorCode.ROOM_ALREADY_JOINED
                    : ErrorCode.NOT_LOGGED_IN, "login abandoned: " + (s.state() == Session.State.IN_ROOM
                    ? "already in room '" + id + "'" : "session closed or logged out"), null);
            destroyIfEmpty();
            return true;
        }
        if (members.isEmpty()) {
            maxMemberCount = requestedMax;
        } else if (maxMemberCount > 0 && members.size() >= maxMemberCount) {
            s.joining.set(false);
            String msg = "room '" + id + "' is full: " + members.size() + " members (maxMemberCount " + maxMemberCount + ")";
            s.respond(reqId, Messages.LOGIN_ROOM, ErrorCode.ROOM_FULL, msg, null);
            s.pushState(id.value(), RoomStateReason.LOGIN_FAILED, ErrorCode.ROOM_FULL);
            events.loginFailed(ErrorCode.ROOM_FULL);
            return true;
        }
        s.rooms.put(id, this);
        try {
            enter(s, reqId, result);
        } finally {
            s.joining.set(false); // after the login sequence: a tokenWillExpire held back meanwhile names this room too
        }
        if (s.state() == Session.State.CLOSED) {
            leave(s, s.termination == null ? LeaveReason.CONNECTION_CLOSED : s.termination.leaveReason()); // raced a termination
        }
        return true;
    }

    /** The login sequence (PROTOCOL.md loginRoom): membership, response, LOGINED, lists, extra info, count; peers told. */
    private void enter(Session s, RequestRef reqId, Messages.LoginResult result) {
        Member m = new Member(s, s.user, s.userUpdate);
        m.listed = listedCount < limits.userUpdateLimit();
        List<Messages.User> already = new ArrayList<>(m.listed ? Math.min(members.size(), listedCount) : 0);
        if (m.listed) {
            listedCount++;
            for (Member other : members.values()) {
                if (other.listed) {
                    already.add(other.user);
                }
            }
        }
        List<Messages.StreamInfo> present = new ArrayList<>(streams.size());
        for (PublishedStream st : streams.values()) {
            present.add(st.info());
        }
        if (!announced) {
            announced = true;
            emit(new RoomEvent.RoomCreated(app.appId(), id));
        }
        members.put(s.userId, m);
        emit(new RoomEvent.UserJoined(app.appId(), id, s.userId, m.user.userName()));
        s.respond(reqId, Messages.LOGIN_ROOM, ErrorCode.OK, "OK", result);
        events.loginLatency(System.nanoTime() - s.loginStartedNanos);
        s.pushState(id.value(), RoomStateReason.LOGINED, 0);
        if (m.userUpdate && !already.isEmpty()) {
            s.send(new Signal.RoomUserUpdate(new Messages.RoomUserUpdate(id.value(), Messages.ADD, already)));
        }
        for (int i = 0; i < present.size(); i += STREAM_LIST_PAGE) {
            List<Messages.StreamInfo> page = present.subList(i, Math.min(present.size(), i + STREAM_LIST_PAGE));
            s.send(new Signal.RoomStreamUpdate(id.value(), Messages.ADD, List.copyOf(page), List.of()));
        }
        extras.syncTo(s);
        online.joined(s);
        if (m.listed) {
            joins.joined(m); // peers told ADD, coalesced with the joins around it (JoinCoalescer)
        }
    }

    /**
     * One roomUserUpdate ADD for a batch of joins, to the listed members that want user updates. A member of the
     * batch got the members before it in its login's list, so it is told only of those who came after it.
     */
    private void announceJoins(List<Member> batch) {
        List<Member> present = new ArrayList<>(batch.size());
        for (Member j : batch) {
            if (members.get(j.session.userId) == j) {
                present.add(j);
            }
        }
        if (present.isEmpty()) {
            return;
        }
        List<Messages.User> users = new ArrayList<>(present.size());
        IdentityHashMap<Member, Integer> position = new IdentityHashMap<>();
        for (Member j : present) {
            position.put(j, users.size());
            users.add(j.user);
        }
        long decided = System.nanoTime();
        Signal.Shared shared = new Signal.Shared(new Signal.RoomUserUpdate(
                new Messages.RoomUserUpdate(id.value(), Messages.ADD, List.copyOf(users))));
        for (Member other : members.values()) {
            if (!other.userUpdate || !other.listed) {
                continue;
            }
            Integer at = position.get(other);
            if (at == null) {
                other.session.send(shared, decided);
            } else if (at < users.size() - 1) {
                other.session.send(new Signal.RoomUserUpdate(new Messages.RoomUserUpdate(id.value(), Messages.ADD,
                        List.copyOf(users.subList(at + 1, users.size())))), decided);
            } else {
                continue;
            }
            events.notificationSent();
        }
    }

    /** Removes the session's member, if it is one, with its streams; idempotent. */
    void leave(Session s, LeaveReason reason) {
        Member m = members.get(s.userId);
        if (m == null || m.session != s) {
            return;
        }
        joins.flush(); // the joins it was to hear of reach it before it goes
        members.remove(s.userId);
        for (Consumer c : m.playing.values()) {
            media.close(c);
        }
        m.playing.clear();
        for (StreamId played : m.remotePlaying.keySet()) {
            remote.get().closePlayer(s, played);
        }
        m.remotePlaying.clear();
        if (!m.streams.isEmpty()) {
            List<PublishedStream> gone = new ArrayList<>(m.streams.values());
            m.streams.clear();
            List<PublishedStream> announcedGone = new ArrayList<>(gone.size());
            for (PublishedStream st : gone) {
                if (streams.remove(st.id) == st) {
                    announcedGone.add(st);
                }
                release(st);
            }
            if (!announcedGone.isEmpty()) {
                announceDeleted(announcedGone, reason.streamDelete, s);
            }
        }
        emit(new RoomEvent.UserLeft(app.appId(), id, s.userId, reason));
        if (m.listed) {
            listedCount--;
            fanOut(new Signal.RoomUserUpdate(new Messages.RoomUserUpdate(id.value(), Messages.DELETE, List.of(m.user))),
                    other -> other.userUpdate && other.listed);
        }
        s.rooms.remove(id, this);
        if (s.room == this) {
            for (Room other : s.rooms.values()) {
                s.room = other; // a multi-room session's requests without a roomID now mean one it is still in
                break;
            }
        }
        if (s.rooms.isEmpty()) {
            // The bundled transport belongs to the session, shared by its rooms (multi-room): it closes with the last.
            media.closeSessionTransport(s.mediaTransport);
            claims.releaseUser(app.appId(), s.userId, s);
        }
        destroyIfEmpty();
    }

    /** Adds a stream whose streamID the caller already claimed AppID-wide. */
    void addStream(PublishedStream st, RequestRef reqId) {
        Session s = st.publisher;
        Member m = members.get(s.userId);
        if (m == null || m.session != s) {
            claims.releaseStream(app.appId(), st.id, st);
            media.close(st.producer);
            s.respond(reqId, Messages.START_PUBLISHING, ErrorCode.NOT_LOGGED_IN,
                    "not logged in to room '" + id + "' any more", null);
            return;
        }
        String over = streamLimit(m);
        if (over != null) {
            claims.releaseStream(app.appId(), st.id, st);
            media.close(st.producer);
            s.respond(reqId, Messages.START_PUBLISHING, ErrorCode.TOO_MANY_STREAMS, over, null);
            return;
        }
        m.streams.put(st.id, st);
        streams.put(st.id, st);
        String answer = st.producer.answer();
        if (answer != null) {
            s.send(new Signal.PublisherStateUpdate(id.value(), st.id.value(), PublishState.PUBLISH_REQUESTING, 0, EndReason.NONE, ""));
        }
        s.respond(reqId, Messages.START_PUBLISHING, ErrorCode.OK, "OK", new Messages.StreamResult(st.id.value(), answer));
        emit(new RoomEvent.StreamCreated(app.appId(), id, s.userId, st.id, st.extraInfo));
        fanOut(new Signal.RoomStreamUpdate(id.value(), Messages.ADD, List.of(st.info()), List.of()),
                other -> other.session != s);
    }

    void removeStream(Session s, StreamId streamId, String sdp, RequestRef reqId) {
        Member m = members.get(s.userId);
        PublishedStream st = m == null || m.session != s ? null : m.streams.get(streamId);
        if (st == null) {
            s.respond(reqId, Messages.STOP_PUBLISHING, ErrorCode.PUBLISH_STREAM_NOT_FOUND,
                    "streamID '" + streamId + "' is not published by you", null);
            return;
        }
        String answer = null;
        if (sdp != null) {
            try {
                answer = media.answerStop(s.mediaTransport, sdp, st.producer, ErrorCode.PUBLISH_SDP_REFUSED);
            } catch (ProtocolException e) {
                s.respond(reqId, Messages.STOP_PUBLISHING, e.code(), e.getMessage(), null);
                return;
            }
        }
        m.streams.remove(streamId);
        boolean wasAnnounced = streams.remove(streamId) == st;
        release(st);
        s.respond(reqId, Messages.STOP_PUBLISHING, ErrorCode.OK, "OK", new Messages.StreamResult(streamId.value(), answer));
        if (wasAnnounced) {
            announceDeleted(List.of(st), StreamDeleteCode.STOP_PUBLISHING, s);
        }
    }

    /** Gives a stream up for good: its claim, its Producer and (RTMP) its push connection. */
    private void release(PublishedStream st) {
        if (st.rtmp) { // before the claim goes: a new owner's push must not be the one closed
            remote.get().closePublish(app.appId(), st.id);
        }
        if (st.producer != null) {
            media.close(st.producer);
        }
        if (st.rtmp) {
            st.producer = null; // the bridge's in-process Producer lives only while the push does
        }
        claims.releaseStream(app.appId(), st.id, st);
    }

    // ---- RTMP publishers (WeChat <live-pusher>): claimed at startPublishing, in the room while the push sends media ----

    /** startPublishing with transport rtmp: the streamID is the session's; the room sees it when its push sends media. */
    void addRtmpStream(PublishedStream st, RequestRef reqId, RemoteMedia.Url url) {
        Session s = st.publisher;
        Member m = members.get(s.userId);
        if (m == null || m.session != s) {
            claims.releaseStream(app.appId(), st.id, st);
            s.respond(reqId, Messages.START_PUBLISHING, ErrorCode.NOT_LOGGED_IN,
                    "not logged in to room '" + id + "' any more", null);
            return;
        }
        String over = streamLimit(m);
        if (over != null) {
            claims.releaseStream(app.appId(), st.id, st);
            s.respond(reqId, Messages.START_PUBLISHING, ErrorCode.TOO_MANY_STREAMS, over, null);
            return;
        }
        m.streams.put(st.id, st);
        s.send(new Signal.PublisherStateUpdate(id.value(), st.id.value(), PublishState.PUBLISH_REQUESTING, 0, EndReason.NONE, ""));
        s.respond(reqId, Messages.START_PUBLISHING, ErrorCode.OK, "OK", new Messages.StreamResult(st.id.value(), null,
                Messages.RTMP, url.url(), url.expiresAtMillis()));
    }

    /** The RTMP stream of {@code s} waiting for its push, or null (stopped, live already, not this session's). */
    PublishedStream pendingRtmpStream(Session s, StreamId streamId) {
        Member m = members.get(s.userId);
        PublishedStream st = m == null || m.session != s ? null : m.streams.get(streamId);
        return st != null && st.rtmp && streams.get(streamId) != st ? st : null;
    }

    /** The push sends media: the stream joins the room with its Producer. False if it was stopped meanwhile. */
    boolean rtmpLive(PublishedStream st, Producer producer) {
        Member m = members.get(st.publisher.userId);
        if (m == null || m.session != st.publisher || m.streams.get(st.id) != st || streams.containsKey(st.id)) {
            return false;
        }
        st.producer = producer;
        streams.put(st.id, st);
        st.publisher.send(new Signal.PublisherStateUpdate(id.value(), st.id.value(), PublishState.PUBLISHING, 0, EndReason.NONE, ""));
        emit(new RoomEvent.StreamCreated(app.appId(), id, st.publisher.userId, st.id, st.extraInfo));
        fanOut(new Signal.RoomStreamUpdate(id.value(), Messages.ADD, List.of(st.info()), List.of()),
                other -> other.session != st.publisher);
        return true;
    }

    /** The push connection ended without stopPublishing: the stream leaves the room, the streamID stays the session's. */
    void rtmpEnded(PublishedStream st) {
        if (streams.get(st.id) != st) {
            return;
        }
        streams.remove(st.id);
        if (st.producer != null) {
            media.close(st.producer);
            st.producer = null;
        }
        st.publisher.send(new Signal.PublisherStateUpdate(id.value(), st.id.value(), PublishState.NO_PUBLISH,
                ErrorCode.PUBLISH_MEDIA_FAILED, EndReason.RTMP_DISCONNECTED, ""));
        announceDeleted(List.of(st), StreamDeleteCode.HEARTBEAT_TIMEOUT, st.publisher);
    }

    // ---- RTMP and HTTP-FLV players (WeChat <live-player>) ----

    void playRemote(Session s, StreamId streamId, String transport, RequestRef reqId) {
        Member m = members.get(s.userId);
        if (m == null || m.session != s) {
            s.respond(reqId, Messages.START_PLAYING, ErrorCode.NOT_LOGGED_IN, "not logged in to room '" + id + "' any more", null);
            return;
        }
        if (!streams.containsKey(streamId)) {
            s.respond(reqId, Messages.START_PLAYING, ErrorCode.PLAY_STREAM_NOT_FOUND,
                    "play stream not found: no stream '" + streamId + "' in room '" + id + "'", null);
            return;
        }
        Consumer existing = m.playing.get(streamId);
        if ((existing != null && !existing.isEnded()) || m.remotePlaying.containsKey(streamId)) {
            s.respond(reqId, Messages.START_PLAYING, ErrorCode.ALREADY_PLAYING,
                    "already playing '" + streamId + "' (expected: stopPlaying first)", null);
            return;
        }
        RemoteMedia.Url url;
        try {
            url = remote.get().playUrl(s, streamId, transport);
        } catch (ProtocolException e) {
            s.respond(reqId, Messages.START_PLAYING, e.code(), e.getMessage(), null);
            return;
        }
        m.remotePlaying.put(streamId, transport);
        s.send(new Signal.PlayerStateUpdate(id.value(), streamId.value(), PlayState.PLAY_REQUESTING, 0, EndReason.NONE, ""));
        extras.playStarted(s, streams.get(streamId));
        s.respond(reqId, Messages.START_PLAYING, ErrorCode.OK, "OK", new Messages.StreamResult(streamId.value(), null,
                transport, url.url(), url.expiresAtMillis()));
    }

    /** The stream {@code s} may play over RTMP/FLV now, or null (not asked for, stopped, or the stream is gone). */
    PublishedStream remotePlayable(Session s, StreamId streamId) {
        Member m = members.get(s.userId);
        return m == null || m.session != s || !m.remotePlaying.containsKey(streamId) ? null : streams.get(streamId);
    }

    /** A remote player's connection got its first media (PLAYING) or ended (NO_PLAY, the entry stays for a retry). */
    void remotePlayerState(Session s, StreamId streamId, boolean playing) {
        Member m = members.get(s.userId);
        if (m == null || m.session != s || !m.remotePlaying.containsKey(streamId)) {
            return;
        }
        s.send(playing ? new Signal.PlayerStateUpdate(id.value(), streamId.value(), PlayState.PLAYING, 0, EndReason.NONE, "")
                : new Signal.PlayerStateUpdate(id.value(), streamId.value(), PlayState.NO_PLAY, 0, EndReason.PLAYER_DISCONNECTED, ""));
    }

    /** The stream's media failed (its publisher was told NO_PUBLISH): it leaves the room as if stopped. */
    void mediaEnded(PublishedStream st) {
        if (streams.get(st.id) != st) {
            return;
        }
        streams.remove(st.id);
        claims.releaseStream(app.appId(), st.id, st);
        Member m = members.get(st.publisher.userId);
        if (m != null && m.session == st.publisher) {
            m.streams.remove(st.id);
        }
        media.close(st.producer);
        announceDeleted(List.of(st), StreamDeleteCode.STOP_PUBLISHING, st.publisher);
    }

    void play(Session s, StreamId streamId, String sdp, String mid, RequestRef reqId, MediaObserver observer) {
        Member m = members.get(s.userId);
        if (m == null || m.session != s) {
            s.respond(reqId, Messages.START_PLAYING, ErrorCode.NOT_LOGGED_IN, "not logged in to room '" + id + "' any more", null);
            return;
        }
        PublishedStream st = streams.get(streamId);
        if (st == null) {
            s.send(new Signal.PlayerStateUpdate(id.value(), streamId.value(), PlayState.NO_PLAY, ErrorCode.PLAY_STREAM_NOT_FOUND,
                    EndReason.NONE, ""));
            s.respond(reqId, Messages.START_PLAYING, ErrorCode.PLAY_STREAM_NOT_FOUND,
                    "play stream not found: no stream '" + streamId + "' in room '" + id + "'", null);
            return;
        }
        Consumer existing = m.playing.get(streamId);
        if (existing != null && !existing.isEnded()) {
            s.respond(reqId, Messages.START_PLAYING, ErrorCode.ALREADY_PLAYING,
                    "already playing '" + streamId + "' (expected: stopPlaying first)", null);
            return;
        }
        Consumer c;
        try {
            c = mid == null ? media.play(st.producer, sdp, observer)
                    : media.playBundled(mediaLoop, s.mediaTransport, st.producer, sdp, mid, observer);
        } catch (ProtocolException e) {
            s.respond(reqId, Messages.START_PLAYING, e.code(), e.getMessage(), null);
            return;
        }
        m.playing.put(streamId, c);
        s.send(new Signal.PlayerStateUpdate(id.value(), streamId.value(), PlayState.PLAY_REQUESTING, 0, EndReason.NONE, ""));
        extras.playStarted(s, st);
        s.respond(reqId, Messages.START_PLAYING, ErrorCode.OK, "OK", new Messages.StreamResult(streamId.value(), c.answer()));
    }

    void stopPlaying(Session s, StreamId streamId, String sdp, RequestRef reqId) {
        Member m = members.get(s.userId);
        if (m != null && m.session == s && m.remotePlaying.remove(streamId) != null) {
            remote.get().closePlayer(s, streamId);
            s.respond(reqId, Messages.STOP_PLAYING, ErrorCode.OK, "OK", new Messages.StreamResult(streamId.value()));
            return;
        }
        Consumer c = m == null || m.session != s ? null : m.playing.get(streamId);
        if (c == null) {
            s.respond(reqId, Messages.STOP_PLAYING, ErrorCode.PLAY_STREAM_NOT_FOUND, "you do not play '" + streamId + "'", null);
            return;
        }
        String answer = null;
        if (sdp != null) {
            try {
                answer = media.answerStop(s.mediaTransport, sdp, c, ErrorCode.PLAY_SDP_REFUSED);
            } catch (ProtocolException e) {
                s.respond(reqId, Messages.STOP_PLAYING, e.code(), e.getMessage(), null);
                return;
            }
        }
        m.playing.remove(streamId);
        media.close(c);
        s.respond(reqId, Messages.STOP_PLAYING, ErrorCode.OK, "OK", new Messages.StreamResult(streamId.value(), answer));
    }

    RoomSnapshot snapshot() {
        List<String> u = new ArrayList<>(members.size());
        for (UserId k : members.keySet()) {
            u.add(k.value());
        }
        List<String> st = new ArrayList<>(streams.size());
        for (StreamId k : streams.keySet()) {
            st.add(k.value());
        }
        return new RoomSnapshot(id.value(), List.copyOf(u), List.copyOf(st));
    }

    int memberCount() {
        return members.size();
    }

    private void announceDeleted(List<PublishedStream> gone, StreamDeleteCode reason, Session publisher) {
        List<Messages.StreamInfo> infos = new ArrayList<>(gone.size());
        List<Messages.StreamDeleteReason> reasons = new ArrayList<>(gone.size());
        for (PublishedStream st : gone) {
            infos.add(st.info());
            reasons.add(new Messages.StreamDeleteReason(st.id.value(), reason.code(), reason.description()));
            emit(new RoomEvent.StreamClosed(app.appId(), id, st.publisher.userId, st.id, reason));
            for (Member other : members.values()) {
                if (other.remotePlaying.remove(st.id) != null) {
                    remote.get().closePlayer(other.session, st.id);
                    other.session.send(new Signal.PlayerStateUpdate(id.value(), st.id.value(), PlayState.NO_PLAY, 0,
                            EndReason.PUBLISHER_STOPPED, ""));
                }
            }
        }
        fanOut(new Signal.RoomStreamUpdate(id.value(), Messages.DELETE, infos, reasons),
                other -> other.session != publisher);
    }

    /** One shared push for every recipient (encoded once, by whoever writes it first). Nobody is told about themselves. */
    void fanOut(Signal.Push push, Predicate<Member> to) {
        joins.flush(); // joins decided earlier reach everyone before this
        long decided = System.nanoTime();
        Signal.Shared shared = null;
        for (Member other : members.values()) {
            if (!to.test(other)) {
                continue;
            }
            if (shared == null) {
                shared = new Signal.Shared(push);
            }
            other.session.send(shared, decided);
            events.notificationSent();
        }
    }

    private void emit(RoomEvent e) {
        try {
            listener.onEvent(e);
        } catch (RuntimeException ex) {
            log.warn("room event listener failed on {} app={} room={}", e, app.appId(), id, ex);
        }
    }

    private void destroyIfEmpty() {
        if (members.isEmpty() && !closed) {
            closed = true;
            online.stop();
            for (PublishedStream st : List.copyOf(streams.values())) { // AddStream's, owned by no member
                streams.remove(st.id);
                release(st);
                announceDeleted(List.of(st), StreamDeleteCode.REMOVED_BY_SERVER, st.publisher);
            }
            log.debug("room closed app={} room={}", app.appId(), id);
            if (announced) {
                // Before the directory forgets it: the next room of this roomID is created after this event.
                emit(new RoomEvent.RoomClosed(app.appId(), id));
            }
            directory.closed(this);
        }
    }

    // ---- the server API (a business server): decided on this loop like any member's request ----

    /**
     * Ends the session of the member with this userID (KickoutUser, CloseRoom) with {@code customMessage} in its
     * KICKOUT. False if there is no such member, or its session is already ending for another reason.
     */
    boolean kick(UserId user, Termination t, String customMessage) {
        Member m = members.get(user);
        if (m == null) {
            return false;
        }
        Session s = m.session;
        if (s.close() == Session.State.CLOSED) {
            return false; // its own termination is queued on this loop and removes it
        }
        s.termination = t;
        s.kickoutMessage = customMessage;
        events.kicked();
        s.noteRoomsForKickout();
        leave(s, t.leaveReason());
        s.leaveOtherRooms(this, t.leaveReason());
        s.finish(t);
        return true;
    }

    /** CloseRoom: every member is kicked; the room closes with its last one. Returns how many were kicked. */
    int close(String customMessage) {
        int n = 0;
        for (UserId u : List.copyOf(members.keySet())) {
            n += kick(u, Termination.ROOM_CLOSED, customMessage) ? 1 : 0;
        }
        return n;
    }

    /** Members in login order and announced streams in order (the server API's Describe* actions). */
    RoomView view() {
        List<RoomView.MemberView> ms = new ArrayList<>(members.size());
        for (Member m : members.values()) {
            ms.add(new RoomView.MemberView(m.user.userID(), m.user.userName(), m.joinedAtMillis));
        }
        List<RoomView.StreamView> ss = new ArrayList<>(streams.size());
        for (PublishedStream st : streams.values()) {
            ss.add(new RoomView.StreamView(st.id.value(), st.user.userID(), st.user.userName(), st.extraInfo,
                    st.createdAtMillis));
        }
        return new RoomView(id.value(), List.copyOf(ms), List.copyOf(ss));
    }

    /**
     * DeleteStream, ForbidRTCStream: the stream leaves the room (peers see DELETE with {@code code}), its publisher,
     * if a member, is told NO_PUBLISH with {@code publisherCode} and stays in the room. False if no such stream.
     */
    boolean deleteStream(StreamId streamId, StreamDeleteCode code, int publisherCode) {
        PublishedStream st = streams.get(streamId);
        Member owner = null;
        for (Member m : members.values()) {
            PublishedStream p = m.streams.get(streamId);
            if (p != null && (st == null || p == st)) {
                st = p;
                owner = m;
                break;
            }
        }
        if (st == null) {
            return false;
        }
        if (owner != null) {
            owner.streams.remove(streamId);
        }
        boolean wasAnnounced = streams.remove(streamId) == st;
        release(st);
        if (owner != null) {
            st.publisher.send(new Signal.PublisherStateUpdate(id.value(), streamId.value(), PublishState.NO_PUBLISH, publisherCode,
                    EndReason.NONE, ""));
        }
        if (wasAnnounced) {
            announceDeleted(List.of(st), code, st.publisher);
        }
        return true;
    }

    /**
     * AddStream: a stream announced by the server with no media, owned by the room rather than a member (it goes with
     * DeleteStream or the room). The caller claimed the streamID AppID-wide. False (claim released) if the room closed.
     */
    boolean addServerStream(PublishedStream st) {
        if (closed || members.isEmpty()) {
            claims.releaseStream(app.appId(), st.id, st);
            return false;
        }
        st.producer = media.announce(mediaLoop, st.id.value(), MediaObserver.NONE);
        streams.put(st.id, st);
        emit(new RoomEvent.StreamCreated(app.appId(), id, st.publisher.userId, st.id, st.extraInfo));
        fanOut(new Signal.RoomStreamUpdate(id.value(), Messages.ADD, List.of(st.info()), List.of()), other -> true);
        return true;
    }
}
