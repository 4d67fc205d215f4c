package io.parley.client;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The client's side of "resume after a dropped connection" (PROTOCOL.md): after a connection drops without a close
 * frame, {@link ParleyEngine} reports RECONNECTING (1000017) and this retries, with growing pauses, a new connection
 * and {@code resumeSession} with the credential of the login and the last push seq handled. Resumed: RECONNECTED,
 * and the pushes missed arrive next, in order. The server answers that the session cannot be resumed (it ended:
 * 1102001; missed pushes no longer held: 1102015; credential refused: 1102016): the client logs in again with the
 * login's parameters and reports RECONNECTED with {@code {"relogin":<code>}} in extendedData; its publishers and
 * players ended with the old session. In several rooms (multi-room) every room is logged in to again, in login order;
 * a room that refuses (e.g. full now) gets RECONNECT_FAILED with its code alone, the others RECONNECTED (when none
 * takes the user back, each gets RECONNECT_FAILED). No success within the retry window: RECONNECT_FAILED (1002053).
 * All of it runs on the client's event loops; one attempt at a time.
 */
final class Reconnect {
    /** Default retry window: the Web SDK's 5 minutes. */
    static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    private static final long FIRST_PAUSE_MS = 200;
    private static final long MAX_PAUSE_MS = 5_000;
    /** A resume or login not answered within this is taken as a dead connection. */
    private static final long ANSWER_TIMEOUT_MS = 10_000;

    private final ParleyEngine engine;
    private volatile Duration window = DEFAULT_WINDOW;
    private volatile long deadlineNanos;
    private volatile int generation;

    Reconnect(ParleyEngine engine) {
        this.engine = engine;
    }

    void window(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("reconnect window: " + d + " (expected: > 0)");
        }
        window = d;
    }

    /** The connection dropped: start retrying (the caller reported RECONNECTING). */
    synchronized void start() {
        int g = ++generation;
        deadlineNanos = System.nanoTime() + window.toNanos();
        attempt(g, 0);
    }

    /** Stop retrying (logout, close, kick). */
    synchronized void cancel() {
        generation++;
    }

    private boolean current(int g) {
        return g == generation;
    }

    private void later(int g, long pauseMs) {
        long next = Math.min(MAX_PAUSE_MS, Math.max(FIRST_PAUSE_MS, pauseMs * 2));
        WsClient.group().next().schedule(() -> attempt(g, next), pauseMs, TimeUnit.MILLISECONDS);
    }

    private void attempt(int g, long pauseMs) {
        if (!current(g)) {
            return;
        }
        if (System.nanoTime() - deadlineNanos >= 0) {
            cancel();
            engine.reconnectFailed(ErrorCode.RECONNECT_TIMEOUT, "no reconnect within " + window);
            return;
        }
        Messages.ResumeSession req = engine.resumeRequest();
        if (req == null) {
            return;
        }
        engine.freshConnection().whenComplete((ws, err) -> {
            if (err != null) {
                later(g, pauseMs);
                return;
            }
            engine.requestOn(ws, Messages.RESUME_SESSION, req).orTimeout(ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .whenComplete((r, failed) -> {
                if (!current(g)) {
                    return;
                }
                if (failed != null) {
                    ws.abort(); // the new connection dropped too, or says nothing
                    later(g, pauseMs);
                } else if (r.ok()) {
                    cancel();
                    engine.resumed(r);
                } else if (r.code() == ErrorCode.HEARTBEAT_TIMEOUT || r.code() == ErrorCode.RESUME_GAP
                        || r.code() == ErrorCode.TOKEN_INVALID) {
                    relogin(ws, g, r.code(), pauseMs);
                } else {
                    ws.abort(); // e.g. the server is draining or refused the rate: try again later
                    later(g, pauseMs);
                }
            });
        });
    }

    private void relogin(WsClient ws, int g, int why, long pauseMs) {
        engine.sessionLost();
        engine.relogin(ws).orTimeout(ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS).whenComplete((r, failed) -> {
            if (!current(g)) {
                return;
            }
            if (failed != null) {
                ws.abort();
                later(g, pauseMs);
            } else if (r.ok()) {
                cancel();
                engine.reloggedIn(r, why);
            } else {
                cancel();
                engine.reconnectFailed(r.code(), r.message());
            }
        });
    }
}
