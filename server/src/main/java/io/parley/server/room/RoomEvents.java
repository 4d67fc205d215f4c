package io.parley.server.room;

/**
 * The registry's measurements that are not room events (metrics hook): login outcomes and latency, kicks, fan-out
 * writes. Called on room and connection loops, so implementations must be cheap. What happens in rooms (joins,
 * leaves, streams) is a {@link RoomEvent}.
 */
public interface RoomEvents {
    default void loginFailed(int code) {}

    /** A login succeeded, {@code nanos} after its request arrived. */
    default void loginLatency(long nanos) {}

    default void kicked() {}

    default void notificationSent() {}
}
