package io.parley.loadtest;

import java.util.Map;

/** One kind of load. Lifecycle: new → running → stopped; stopped is final. */
interface Scenario {
    String name();

    /** The settings as given, for the report. */
    Map<String, Object> settings();

    /** Runs until {@code deadlineNanos} ({@link System#nanoTime()}) or {@link #stop()}, then closes its sessions. */
    void run(Stats stats, long deadlineNanos) throws InterruptedException;

    /** Asks {@link #run} to end early (Ctrl-C); safe from any thread. */
    void stop();

    /** Closes what is still open, waiting at most {@code millis} (the shutdown hook's last word to the server). */
    void closeAll(long millis);

    /** Scenario-specific figures for the progress line, e.g. "players 1000/1000". */
    default String progress() {
        return "";
    }

    /** Scenario-specific figures for the report. */
    default Map<String, Object> figures() {
        return Map.of();
    }
}
