package io.parley.server.room;

/** What the registry reports as it happens (metrics hook); called on room loops, so implementations must be cheap. */
public interface RoomEvents {
    default void loggedIn() {}

    default void loginFailed(int code) {}

    /** A login succeeded, {@code nanos} after its request arrived. */
    default void loginLatency(long nanos) {}

    default void kicked() {}

    default void streamAdded() {}

    default void streamRemoved() {}

    default void notificationSent() {}

    default void roomClosed() {}

    RoomEvents NONE = new RoomEvents() {};
}
