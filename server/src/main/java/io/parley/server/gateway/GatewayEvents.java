package io.parley.server.gateway;

/** What the gateway reports (metrics hook). */
public interface GatewayEvents {
    default void request(String type) {}

    default void requestFailed(String type, int code) {}

    default void frameIn() {}

    /** A text frame went out to a client. */
    default void frameOut() {}

    /** A room notification reached its member's channel {@code nanos} after the room decided it. */
    default void notificationLatency(long nanos) {}

    default void connectionOpened() {}

    default void connectionClosed() {}
}
