package io.parley.server.lifecycle;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.parley.server.gateway.HttpRoutes;
import java.util.Locale;
import java.util.Map;

/**
 * Whether this node takes new work. Lifecycle: STARTING → READY → DRAINING → STOPPED; each step is final.
 * {@code /healthz} answers 200 while the process serves HTTP at all; {@code /readyz} 200 only while READY.
 */
public final class Readiness {
    public enum State { STARTING, READY, DRAINING, STOPPED }

    public static final String HEALTHZ = "/healthz";
    public static final String READYZ = "/readyz";

    private volatile State state = State.STARTING;

    public State state() {
        return state;
    }

    public boolean ready() {
        return state == State.READY;
    }

    /** Moves forward only; returns false when the state was already at or past {@code next}. */
    public synchronized boolean advance(State next) {
        if (state.compareTo(next) >= 0) {
            return false;
        }
        state = next;
        return true;
    }

    public Map<String, HttpRoutes.Route> routes() {
        return Map.of(
                HEALTHZ, (req, q) -> HttpRoutes.HttpReply.text(HttpResponseStatus.OK, "ok\n"),
                READYZ, (req, q) -> {
                    State s = state;
                    return s == State.READY
                            ? HttpRoutes.HttpReply.text(HttpResponseStatus.OK, "ready\n")
                            : HttpRoutes.HttpReply.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                                    s.name().toLowerCase(Locale.ROOT) + "\n");
                });
    }
}
