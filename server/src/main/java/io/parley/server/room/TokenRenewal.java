package io.parley.server.room;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.auth.TokenClaims;
import io.parley.server.auth.TokenVerifier;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A login token over time: {@code tokenWillExpire} {@code auth.tokenWillExpireLead} before its expiry, {@code renewToken}
 * replacing it (checked like a login token: same App, same userID, the room allowed), and at expiry, in an App with
 * {@code kickOnTokenExpiry}, the session's end (KICKOUT 1102018). Without that mode an expired session keeps its room, and
 * publishing refuses with 1102018 until it renews. Timers run on the session's home loop.
 */
final class TokenRenewal {
    private static final Logger log = LoggerFactory.getLogger(TokenRenewal.class);
    /** How often a warning due while a login (first or further) is still on its way to its room is retried. */
    private static final long LOGIN_RETRY_MILLIS = 20;

    private final RoomService rooms;
    private final TokenVerifier verifier;
    private final RoomEvents events;
    private volatile Duration lead;

    TokenRenewal(RoomService rooms, TokenVerifier verifier, RoomEvents events, Duration lead) {
        this.rooms = rooms;
        this.events = events;
        this.verifier = verifier;
        this.lead = lead;
    }

    void lead(Duration lead) {
        this.lead = lead;
    }

    /** Starts the clock of {@code claims}, the session's token from now on (login, renewal). */
    void arm(Session s, TokenClaims claims) {
        long warnAt = claims.expireEpochSeconds() * 1000 - lead.toMillis();
        schedule(s, () -> warn(s, claims), warnAt - System.currentTimeMillis());
    }

    private void schedule(Session s, Runnable task, long delayMillis) {
        var old = s.tokenTimer;
        if (old != null) {
            old.cancel(false);
        }
        if (s.home() == null || s.state() == Session.State.CLOSED) {
            return;
        }
        s.tokenTimer = s.home().schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    }

    private void warn(Session s, TokenClaims claims) {
        if (s.claims != claims || s.state() == Session.State.CLOSED) {
            return; // renewed meanwhile, or gone
        }
        if (s.state() == Session.State.LOGGING_IN || s.joining.get()) {
            // a login (first or further) on its way: warn once it is in, so that its room is warned too
            schedule(s, () -> warn(s, claims), LOGIN_RETRY_MILLIS);
            return;
        }
        long expireAt = claims.expireEpochSeconds() * 1000;
        if (s.state() == Session.State.IN_ROOM) {
            long remain = Math.max(0, (expireAt - System.currentTimeMillis() + 999) / 1000);
            for (Room room : s.rooms.values()) { // one per room, as ZEGO's: the session's token serves them all
                s.send(new Signal.RoomNotice(Messages.TOKEN_WILL_EXPIRE, new Messages.TokenWillExpire(room.id().value(), remain),
                        false));
            }
        }
        schedule(s, () -> expired(s, claims), expireAt - System.currentTimeMillis());
    }

    private void expired(Session s, TokenClaims claims) {
        if (s.claims != claims || s.state() != Session.State.IN_ROOM) {
            return;
        }
        if (s.app.config().kickOnTokenExpiry()) {
            log.info("token expired, session kicked (kickOnTokenExpiry) {}", s);
            events.kicked();
            rooms.terminate(s, Termination.TOKEN_EXPIRED);
        } else {
            log.debug("token expired, session stays without publishing {}", s);
        }
    }

    /** renewToken: the new token replaces the session's, if it would log this user in to this room. */
    void renew(Session s, RequestRef ref, Room room, String token) {
        TokenClaims claims = verifier.verifyLogin(s.app.config(), s.remoteAddress(), token, s.userId.value(),
                room.id().value());
        s.claims = claims;
        arm(s, claims);
        s.respond(ref, Messages.RENEW_TOKEN, ErrorCode.OK, "OK",
                new Messages.RenewTokenResult(room.id().value(), claims.expireEpochSeconds()));
    }
}
