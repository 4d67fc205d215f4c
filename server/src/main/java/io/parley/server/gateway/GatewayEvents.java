package io.parley.server.gateway;

import java.util.Locale;

/** What the gateway reports (metrics hook). */
public interface GatewayEvents {
    /** Why the gateway closed a connection on its own (a metric label: lower-case names). */
    enum End {
        /** Stayed unwritable past gateway.slowClientTimeout. */
        SLOW_CLIENT,
        /** Queued more than gateway.maxOutboundBytes. */
        OUTBOUND_OVERFLOW,
        /** An HTTP request or WebSocket upgrade not completed within gateway.requestTimeout. */
        REQUEST_TIMEOUT,
        /** A WebSocket that did not log in within gateway.loginTimeout. */
        LOGIN_TIMEOUT,
        /** Kept sending past its request budget. */
        RATE_LIMITED,
        /** A request line, header block or body over its limit (414, 431, 413), or an unparsable request (400). */
        BAD_REQUEST;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why a new connection was refused. */
    enum Refusal {
        /** gateway.maxConnections reached (503). */
        NODE,
        /** gateway.maxConnectionsPerAddress reached (429). */
        ADDRESS;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    default void request(String type) {}

    default void requestFailed(String type, int code) {}

    default void frameIn() {}

    /** A text frame went out to a client. */
    default void frameOut() {}

    /** A room notification reached its member's channel {@code nanos} after the room decided it. */
    default void notificationLatency(long nanos) {}

    default void connectionOpened() {}

    default void connectionClosed() {}

    /** The gateway closed a connection for {@code why}. */
    default void connectionEnded(End why) {}

    /** A new connection was refused. */
    default void connectionRefused(Refusal why) {}

    /** The gateway's count of open connections (those its caps count), for a gauge. Called once per listener. */
    default void openConnections(java.util.function.IntSupplier open) {}

    /** A best-effort push (quality update) was not sent because its connection was unwritable. */
    default void pushDropped() {}

    /** Cluster mode: a session was relayed to the node hosting its room. */
    default void relayed() {}

    /** A frame was refused because its connection was over its request rate. */
    default void rateLimited() {}
}
