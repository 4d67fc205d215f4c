package io.parley.server.room;

import io.parley.protocol.AppId;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.RoomId;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.RoomStateReason;
import io.parley.server.config.ParleyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resume after a dropped connection (PROTOCOL.md): finds the session a {@code resumeSession} names, checks its
 * credential ({@link ResumeTokens}) and has the session take the new connection and replay what it missed
 * ({@link Session#attach}). Runs on the new connection's loop; the session's monitor orders it against the room's
 * sends and against a racing login's kick.
 */
final class Resumption {
    private static final Logger log = LoggerFactory.getLogger(Resumption.class);

    private final Map<Long, AppSpace> apps;
    private final ParleyConfig.Session sessionConfig;
    private final ResumeTokens credentials;
    private final BiConsumer<Session, Termination> terminate;

    Resumption(Map<Long, AppSpace> apps, ParleyConfig.Session sessionConfig, ResumeTokens credentials,
               BiConsumer<Session, Termination> terminate) {
        this.apps = apps;
        this.sessionConfig = sessionConfig;
        this.credentials = credentials;
        this.terminate = terminate;
    }

    /**
     * resumeSession: the session named by the request (App, userID, sessionID, room, credential) is carried by
     * {@code fresh}'s connection from now on, and {@code fresh} (the connection's own, not logged in) is discarded.
     * The response is sent first, then the pushes after {@code lastSeq}. Returns the resumed session; throws with the
     * code a client must act on: 1102001 (the session ended: log in again), 1102015 (missed pushes no longer held:
     * the session is ended, log in again), 1102016 (the credential does not match), 1100001 (bad request).
     */
    Session resume(Session fresh, RequestRef reqId, Messages.ResumeSession req, boolean draining) {
        if (fresh.state() != Session.State.NEW || fresh.userId() != null) {
            throw new ProtocolException(ErrorCode.ALREADY_IN_ROOM,
                    "resumeSession: this connection already has a session (expected: resumeSession first, on a new connection)");
        }
        if (draining) {
            throw new ProtocolException(ErrorCode.SERVER_DRAINING, "server is shutting down: log in to another node");
        }
        Connection c = fresh.connection();
        if (c == null) {
            throw new ProtocolException(ErrorCode.NOT_LOGGED_IN, "session closed");
        }
        if (req.appID() == null) {
            throw new ProtocolException(ErrorCode.APP_ID_INVALID, "appID: missing (expected: the App's numeric AppID)");
        }
        AppSpace app = apps.get(new AppId(req.appID()).value());
        if (app == null) {
            throw new ProtocolException(ErrorCode.APP_ID_INVALID, "appID " + req.appID() + " is not configured on this server");
        }
        RoomId roomId = new RoomId(req.roomID());
        UserId userId = new UserId(req.userID());
        if (req.sessionID() == null || req.resumeToken() == null) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR,
                    "sessionID, resumeToken: missing (expected: both, from the loginRoom response)");
        }
        long lastSeq = req.lastSeq() == null ? 0 : req.lastSeq();
        if (lastSeq < 0) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "lastSeq: " + lastSeq + " (expected: >= 0)");
        }
        // The credential first, checked against what the request names: a mismatch is answered alike whether that
        // session exists or not, so only the holder of a session's credential learns that it ended.
        if (!credentials.matches(app.appId(), userId.value(), req.sessionID(), req.resumeToken())) {
            log.info("resume refused (credential does not match) app={} user={}", app.appId(), userId);
            throw new ProtocolException(ErrorCode.TOKEN_INVALID, "resumeToken does not match appID, userID and sessionID"
                    + " (expected: the resumeToken of that session's loginRoom response): log in again");
        }
        Session s = app.users.get(userId);
        if (s == null || !Long.toString(s.id()).equals(req.sessionID())) {
            throw new ProtocolException(ErrorCode.HEARTBEAT_TIMEOUT, "session " + req.sessionID() + " of user '" + userId
                    + "' has ended (heartbeat timeout, logout, kick or a later login): log in again");
        }
        // Any room of the session names it (multi-room: the session, with all its rooms, is resumed as one).
        if (!s.rooms.containsKey(roomId)) {
            log.info("resume refused (not in the room named) app={} room={} user={} session={}", app.appId(), roomId,
                    userId, s.id());
            throw new ProtocolException(ErrorCode.TOKEN_INVALID,
                    "resumeToken does not match session " + req.sessionID() + " in room '" + roomId + "'");
        }
        long intervalMs = sessionConfig.heartbeatInterval().toMillis();
        long timeoutMs = sessionConfig.heartbeatTimeout().toMillis();
        Connection[] displaced = new Connection[1];
        List<String> roomIds = roomsOf(s, roomId);
        Session.Attach result = s.attach(c, lastSeq, (serverSeq, replayed) -> new Signal.Reply(reqId,
                Messages.RESUME_SESSION, ErrorCode.OK, "OK", new Messages.ResumeResult(roomId.value(),
                roomIds, Long.toString(s.id()), intervalMs, timeoutMs, serverSeq, replayed)),
                displaced);
        switch (result) {
            case RESUMED -> { }
            case ENDED -> throw new ProtocolException(ErrorCode.HEARTBEAT_TIMEOUT, "session " + req.sessionID()
                    + " of user '" + userId + "' has ended: log in again");
            case AHEAD -> throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "lastSeq: " + lastSeq
                    + " (expected: at most " + s.lastSeq() + ", the newest push sent to this session)");
            case GAP -> {
                log.info("resume refused (missed pushes no longer held) app={} user={} session={} lastSeq={}",
                        app.appId(), userId, s.id(), lastSeq);
                terminate.accept(s, Termination.HEARTBEAT_TIMEOUT);
                throw new ProtocolException(ErrorCode.RESUME_GAP, "pushes after seq " + lastSeq
                        + " are no longer held (session.replayBuffer keeps " + sessionConfig.replayBuffer()
                        + "): the session is ended, log in again");
            }
        }
        fresh.discard();
        for (Room r : s.rooms.values()) {
            r.resumed(s);
        }
        log.info("session resumed app={} room={} user={} session={} lastSeq={}", app.appId(), roomId, userId, s.id(), lastSeq);
        Connection old = displaced[0];
        if (old != null && old != c) {
            // A second resume of the same session wins, as a second login does: the earlier connection is told so.
            for (String r : roomIds) {
                old.send(new Signal.RoomStateChanged(r, RoomStateReason.KICKOUT, ErrorCode.KICKED_MULTIPLE_LOGIN,
                        "resumed_elsewhere"));
            }
            old.close(1000, "resumed elsewhere (" + ErrorCode.KICKED_MULTIPLE_LOGIN + ")");
        }
        return s;
    }

    /** Every room the session is in, the one the request named first (it is among them, checked before). */
    private static List<String> roomsOf(Session s, RoomId named) {
        List<String> ids = new ArrayList<>(s.rooms.size());
        ids.add(named.value());
        for (RoomId r : s.rooms.keySet()) {
            if (!r.equals(named)) {
                ids.add(r.value());
            }
        }
        return ids;
    }
}
