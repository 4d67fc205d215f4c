package io.parley.server.api;

import io.parley.server.config.AppConfig;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** One server API action: its name, the reference's rate limits, and what it does. */
record Action(String name, int appPerSecond, int roomPermits, Duration roomWindow, Handler handler) {
    /** No per-room limit. */
    Action(String name, int appPerSecond, Handler handler) {
        this(name, appPerSecond, 0, Duration.ZERO, handler);
    }

    /** Runs a call; the stage completes with the envelope's Data (a map, or null for none) or an {@link ApiException}. */
    @FunctionalInterface
    interface Handler {
        CompletionStage<Object> run(AppConfig app, ApiRequest req);
    }
}
