package io.parley.server.room;

import java.net.InetAddress;

/** What carries a {@link Session}'s signals (a WebSocket today; a cluster relay or a test tomorrow). Any thread. */
public interface Connection {
    /** Sends one signal, in order with the others this connection was given. */
    void send(Signal signal);

    /** Sends a notification decided at {@code decidedNanos} (System.nanoTime); the default ignores the time. */
    default void send(Signal signal, long decidedNanos) {
        send(signal);
    }

    /**
     * Sends a reliable push numbered {@code seq} in its session ({@code "seq"} on the wire, for a resume); the default
     * leaves the number out.
     */
    default void send(Signal signal, long decidedNanos, long seq) {
        send(signal, decidedNanos);
    }

    /** The peer's address, or null when the transport has none (an in-process connection). */
    default InetAddress remoteAddress() {
        return null;
    }

    /** Closes with a WebSocket status code and a reason. */
    void close(int status, String reason);
}
