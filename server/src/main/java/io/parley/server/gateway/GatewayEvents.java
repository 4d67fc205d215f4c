package io.parley.server.gateway;

/** What the gateway reports (metrics hook). */
public interface GatewayEvents {
    default void request(String type) {}

    default void requestFailed(String type, int code) {}

    default void frameIn() {}

    default void connectionOpened() {}

    default void connectionClosed() {}

    GatewayEvents NONE = new GatewayEvents() {};
}
