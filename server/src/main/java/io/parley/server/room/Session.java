package io.parley.server.room;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.protocol.RoomId;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.RoomStateReason;
import io.parley.server.auth.TokenClaims;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import io.parley.server.sfu.SessionTransport;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * A client's presence, separate from the connection carrying it so that a connection can drop and be resumed on
 * another within the heartbeat window ({@link #attach}). Lifecycle: NEW → LOGGING_IN → IN_ROOM → LEAVING → NEW
 * (logout), any → CLOSED; CLOSED is final. State moves only by CAS; room membership changes only on the room's loop.
 * <p>Everything sent goes through {@link #send} under the session's own monitor: reliable pushes get their seq and
 * a place in the {@link ReplayBuffer} there, and reach the connection in seq order; swapping the connection on a
 * resume happens under the same monitor, so no push is lost or sent twice across the swap. The monitor is held for
 * a few instructions and contended only while a resume races a send.
 */
public final class Session {
    public enum State { NEW, LOGGING_IN, IN_ROOM, LEAVING, CLOSED }

    private final long id;
    private final EventLoop home;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile Connection connection;
    /** Guarded by {@code this}, like {@link #connection} changes and {@link #finished}'s effects. */
    private final ReplayBuffer replay;
    /** Set at login: the credential of {@code resumeSession} (ResumeTokens). */
    volatile String resumeToken;
    private volatile long lastSeenNanos = System.nanoTime();
    private volatile ScheduledFuture<?> heartbeatCheck;
    /** The next tokenWillExpire or expiry check (TokenRenewal). */
    volatile ScheduledFuture<?> tokenTimer;

    // Login facts: written before the LOGGING_IN → IN_ROOM CAS, read after it.
    volatile AppSpace app;
    volatile UserId userId;
    volatile Messages.User user;
    volatile TokenClaims claims;
    volatile boolean userUpdate;
    /** The session's first room (the one requests without a roomID mean), or null. */
    volatile Room room;
    /** The session's bundled media transport, when it uses one (PROTOCOL.md: one transport per session). */
    final AtomicReference<SessionTransport> mediaTransport = new AtomicReference<>();
    /** Every room the session is in: its first, and in multi-room mode the others; changed on each room's loop. */
    final ConcurrentHashMap<RoomId, Room> rooms = new ConcurrentHashMap<>();
    /** Logged in with config.multiRoom in an App that allows it: further logins add rooms. */
    volatile boolean multiRoom;
    /** A further room's login (multi-room) is on its way. */
    final AtomicBoolean joining = new AtomicBoolean();
    /** The rooms a terminated session is told KICKOUT for (all it was in), else null: its first room. */
    volatile List<String> kickRooms;
    volatile Termination termination;
    /** The business server's CustomReason for a kick (KickoutUser, CloseRoom), told with KICKOUT; else null. */
    volatile String kickoutMessage;
    volatile long loginStartedNanos;

    /** Pushes kept for a resume when the configuration does not say (session.replayBuffer's default). */
    static final int DEFAULT_REPLAY = 512;

    Session(long id, EventLoop home, Connection connection) {
        this(id, home, connection, DEFAULT_REPLAY);
    }

    Session(long id, EventLoop home, Connection connection, int replayCapacity) {
        this.id = id;
        this.home = home;
        this.connection = connection;
        this.replay = new ReplayBuffer(replayCapacity);
    }

    public long id() {
        return id;
    }

    /** The App this session logged in to (0 before login). */
    public long appId() {
        AppSpace a = app;
        return a == null ? 0 : a.appId();
    }

    /** The client's address while a connection is attached (for per-address limits), else null. */
    InetAddress remoteAddress() {
        Connection c = connection;
        return c == null ? null : c.remoteAddress();
    }

    public State state() {
        return state.get();
    }

    boolean cas(State from, State to) {
        return state.compareAndSet(from, to);
    }

    State close() {
        return state.getAndSet(State.CLOSED);
    }

    /** The user as logged in, or null before login. */
    public UserId userId() {
        return userId;
    }

    public TokenClaims claims() {
        return claims;
    }

    public Room room() {
        return room;
    }

    /** A frame arrived: the session is alive. */
    public void touch() {
        lastSeenNanos = System.nanoTime();
    }

    long silentNanos() {
        return System.nanoTime() - lastSeenNanos;
    }

    public EventLoop home() {
        return home;
    }

    void heartbeatCheck(ScheduledFuture<?> f) {
        heartbeatCheck = f;
    }

    /** The connection dropped without a goodbye: keep the session for the heartbeat window. Only if {@code c} is its. */
    public synchronized void detach(Connection c) {
        if (connection == c) {
            connection = null;
        }
    }

    /** True while {@code c} carries this session (a connection displaced by a resume no longer does). */
    public boolean carriedBy(Connection c) {
        return connection == c;
    }

    /** The connection carrying the session now, or null. */
    public Connection connection() {
        return connection;
    }

    /** Sends a push or a reply; a reliable push is numbered and kept for a resume even when no connection carries it. */
    void send(Signal signal) {
        send(signal, Long.MIN_VALUE);
    }

    /** A notification the room decided at {@code decidedNanos} (System.nanoTime), for the fan-out latency metric. */
    synchronized void send(Signal signal, long decidedNanos) {
        Connection c = connection;
        if (ReplayBuffer.sequenced(signal) && !finished.get()) {
            long seq = replay.append(signal);
            if (c != null) {
                c.send(signal, decidedNanos, seq);
            }
        } else if (c != null) {
            c.send(signal, decidedNanos);
        }
    }

    /** The client handled every push up to {@code seq} (heartbeat ack). */
    synchronized void ack(long seq) {
        replay.ack(seq);
    }

    /** The seq of the newest numbered push. */
    synchronized long lastSeq() {
        return replay.lastSeq();
    }

    /** How {@link #attach} went. */
    enum Attach { RESUMED, ENDED, GAP, AHEAD }

    /**
     * Resume: {@code c} carries the session from now on. First {@code reply} is built (with the number of pushes to
     * replay) and sent, then every push after {@code clientSeq}, in order; the connection it replaces, if any, is
     * returned through {@code displaced}. Nothing changes unless RESUMED.
     */
    synchronized Attach attach(Connection c, long clientSeq, BiFunction<Long, Integer, Signal> reply,
                               Connection[] displaced) {
        if (finished.get() || state() != State.IN_ROOM) {
            return Attach.ENDED;
        }
        if (clientSeq > replay.lastSeq()) {
            return Attach.AHEAD;
        }
        List<ReplayBuffer.Entry> missed = replay.since(clientSeq);
        if (missed == null) {
            return Attach.GAP;
        }
        displaced[0] = connection;
        connection = c;
        touch();
        c.send(reply.apply(replay.lastSeq(), missed.size()));
        for (ReplayBuffer.Entry e : missed) {
            c.send(e.signal(), Long.MIN_VALUE, e.seq());
        }
        return Attach.RESUMED;
    }

    /** A fresh connection's session that a resume replaced: it ends without closing its (still used) connection. */
    synchronized void discard() {
        finished.set(true);
        state.set(State.CLOSED);
        connection = null;
        ScheduledFuture<?> check = heartbeatCheck;
        if (check != null) {
            check.cancel(false);
        }
    }

    public void respond(RequestRef request, String type, int code, String message, Object result) {
        send(new Signal.Reply(request, type, code, message, result));
    }

    void pushState(String roomId, RoomStateReason reason, int code) {
        send(new Signal.RoomStateChanged(roomId, reason, code, null));
    }

    /** Last words of a terminated session: KICKOUT when it is told, then the connection is closed. Idempotent. */
    synchronized void finish(Termination t) {
        if (finished.get()) {
            return;
        }
        ScheduledFuture<?> check = heartbeatCheck;
        if (check != null) {
            check.cancel(false);
        }
        ScheduledFuture<?> token = tokenTimer;
        if (token != null) {
            token.cancel(false);
        }
        Connection c = connection;
        if (c == null) {
            finished.set(true);
            return;
        }
        Room r = room;
        if (t.pushKickout) {
            List<String> told = kickRooms != null ? kickRooms : List.of(r == null ? "" : r.id().value());
            for (String roomId : told) {
                send(new Signal.RoomStateChanged(roomId, RoomStateReason.KICKOUT, t.code, t.name().toLowerCase(Locale.ROOT),
                        kickoutMessage));
            }
        }
        finished.set(true);
        c.close(1000, t == Termination.CONNECTION_CLOSED ? "bye" : t.name().toLowerCase(Locale.ROOT)
                + (t.code == 0 ? "" : " (" + t.code + ")"));
        connection = null;
    }

    long scheduleDelayNanos(long timeoutNanos) {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(10), timeoutNanos - silentNanos());
    }

    /** Notes every room the session is in, for its KICKOUT (before leaving them empties {@link #rooms}). */
    void noteRoomsForKickout() {
        if (rooms.size() > 1) {
            List<String> ids = new java.util.ArrayList<>();
            rooms.keySet().forEach(k -> ids.add(k.value()));
            kickRooms = List.copyOf(ids);
        }
    }

    /** Leaves every room but {@code except} (a terminated multi-room session), each on its own loop. */
    void leaveOtherRooms(Room except, LeaveReason reason) {
        for (Room r : rooms.values()) {
            if (r != except) {
                r.execute(() -> r.leave(this, reason));
            }
        }
    }

    @Override
    public String toString() {
        AppSpace a = app;
        Room r = room;
        return "session " + id + (a == null ? "" : " app=" + a.appId()) + (userId == null ? "" : " user=" + userId)
                + (r == null ? "" : " room=" + r.id());
    }
}
