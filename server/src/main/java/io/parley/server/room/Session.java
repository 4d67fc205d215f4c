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

/**
 * A client's presence, separate from the connection carrying it so that a connection can drop and (later)
 * be resumed within the heartbeat window. Lifecycle: NEW → LOGGING_IN → IN_ROOM → LEAVING → NEW (logout),
 * any → CLOSED; CLOSED is final. State moves only by CAS; room membership changes only on the room's loop.
 */
public final class Session {
    public enum State { NEW, LOGGING_IN, IN_ROOM, LEAVING, CLOSED }

    private final long id;
    private final EventLoop home;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile Connection connection;
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

    Session(long id, EventLoop home, Connection connection) {
        this.id = id;
        this.home = home;
        this.connection = connection;
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

    EventLoop home() {
        return home;
    }

    void heartbeatCheck(ScheduledFuture<?> f) {
        heartbeatCheck = f;
    }

    /** The connection dropped without a goodbye: keep the session for the heartbeat window. */
    public void detach() {
        connection = null;
    }

    /** Sends a push or a reply; dropped when no connection carries the session right now. */
    void send(Signal signal) {
        Connection c = connection;
        if (c != null) {
            c.send(signal);
        }
    }

    /** A notification the room decided at {@code decidedNanos} (System.nanoTime), for the fan-out latency metric. */
    void send(Signal signal, long decidedNanos) {
        Connection c = connection;
        if (c != null) {
            c.send(signal, decidedNanos);
        }
    }

    public void respond(RequestRef request, String type, int code, String message, Object result) {
        send(new Signal.Reply(request, type, code, message, result));
    }

    void pushState(String roomId, RoomStateReason reason, int code) {
        send(new Signal.RoomStateChanged(roomId, reason, code, null));
    }

    /** Last words of a terminated session: KICKOUT when it is told, then the connection is closed. Idempotent. */
    void finish(Termination t) {
        if (!finished.compareAndSet(false, true)) {
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
