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

    /** Drops every event (benchmarks, sources nobody listens to). */
    MediaObserver NONE = event -> { };
}
