package io.parley.server.lifecycle;

import io.parley.protocol.signal.Messages;
import io.parley.server.room.RoomService;
import io.parley.server.room.Signal;
import io.parley.server.room.Termination;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM's work before the process exits: stop taking logins (/readyz 503, loginRoom answers 1002099), push
 * {@code serverDraining {deadline}} to every logged-in session, give rooms {@code shutdown.drainTimeout} to
 * empty, then kick whoever is left (KICKOUT 1002055, {@code {"kickout_reason":"server_shutdown"}}).
 * Blocks the calling thread (never an event loop).
 */
public final class Drain {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);

    /** The push's name; its data is {@link ServerDraining}. */
    public static final String SERVER_DRAINING = Messages.SERVER_DRAINING;
    /** After the KICKOUTs: time for them and the close frames to leave. */
    static final Duration KICK_FLUSH = Duration.ofSeconds(2);
    private static final long POLL_MS = 50;

    /** {@code deadline}: epoch milliseconds after which remaining members are kicked. */
    public record ServerDraining(long deadline) {}

    private Drain() {}

    /** Runs the drain; returns once rooms are empty or the deadline (plus the kick flush) has passed. */
    public static void run(RoomService rooms, Readiness readiness, Duration timeout, Clock clock) throws InterruptedException {
        if (!readiness.advance(Readiness.State.DRAINING)) {
            return;
        }
        rooms.drain();
        Instant deadline = clock.instant().plus(timeout);
        int told = rooms.pushAll(new Signal.Notice(SERVER_DRAINING, new ServerDraining(deadline.toEpochMilli())));
        log.info("draining: logins refused, {} sessions told, {} rooms / {} members have until {} ({})",
                told, rooms.roomCount(), rooms.memberCount(), deadline, timeout);
        if (!waitEmpty(rooms, deadline, clock)) {
            log.info("drain deadline passed: kicking {} members in {} rooms", rooms.memberCount(), rooms.roomCount());
            rooms.kickAll(Termination.SERVER_SHUTDOWN);
            if (!waitEmpty(rooms, clock.instant().plus(KICK_FLUSH), clock)) {
                log.warn("{} members still present after the kick flush; closing anyway", rooms.memberCount());
            }
        }
        log.info("drained");
    }

    private static boolean waitEmpty(RoomService rooms, Instant until, Clock clock) throws InterruptedException {
        while (rooms.memberCount() > 0 || rooms.roomCount() > 0) {
            if (!clock.instant().isBefore(until)) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MS);
        }
        return true;
    }
}
