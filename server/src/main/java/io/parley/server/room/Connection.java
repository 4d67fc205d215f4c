package io.parley.server.room;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;

/** The transport a {@link Session} is currently attached to (a WebSocket today). */
public interface Connection {
    /** Sends one JSON text message; takes ownership of {@code json}. */
    void send(ByteBuf json);

    /** Sends a notification decided at {@code decidedNanos} (System.nanoTime); the default ignores the time. */
    default void send(ByteBuf json, long decidedNanos) {
        send(json);
    }

    /** The peer's address, or null when the transport has none (an in-process connection). */
    default InetAddress remoteAddress() {
        return null;
    }

    /** Closes with a WebSocket status code and a reason. */
    void close(int status, String reason);
}
