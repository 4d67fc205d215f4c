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
    /** A dependency's reason not to take work (cluster: Redis away), or null; checked on each /readyz. */
    private volatile java.util.function.Supplier<String> blocker = () -> null;

    public State state() {
        return state;
    }

    public boolean ready() {
        return state == State.READY && blocker.get() == null;
    }

    /** While READY, the node is not ready either while {@code whyNot} answers a reason (set before traffic). */
    public void require(java.util.function.Supplier<String> whyNot) {
        this.blocker = whyNot;
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
                    String why = s == State.READY ? blocker.get() : null;
                    return s == State.READY && why == null
                            ? HttpRoutes.HttpReply.text(HttpResponseStatus.OK, "ready\n")
                            : HttpRoutes.HttpReply.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                                    (why != null ? "not ready: " + why : s.name().toLowerCase(Locale.ROOT)) + "\n");
                });
    }
}
