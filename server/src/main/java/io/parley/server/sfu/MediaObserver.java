package io.parley.server.sfu;

/**
 * How a Producer or Consumer tells its owner what happens. Called on the media loop, so an implementation only
 * hands the event to its own executor (a room hops to the room's loop) and never blocks or encodes there.
 */
public interface MediaObserver {
    void onEvent(MediaEvent event);

    /** Names the app, room, user and stream for log lines. */
    default String who() {
        return "";
    }

    /** The App the endpoint belongs to, for fair shares of the DTLS handshake slots; 0 when none. */
    default long appId() {
        return 0;
    }

    /** What counts as one session for the per-session DTLS handshake limit (equal objects: one session). */
    default Object session() {
        return this;
    }

    /** Drops every event (benchmarks, sources nobody listens to). */
    MediaObserver NONE = event -> { };
}
