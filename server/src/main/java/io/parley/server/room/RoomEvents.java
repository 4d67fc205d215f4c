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

    /**
     * A member's message or setting decided by its room: {@code kind} is broadcast, barrage, command or
     * room_extra_info; {@code code} 0 when accepted, else why it was refused (a rate or key limit).
     */
    default void message(String kind, int code) {}
}
