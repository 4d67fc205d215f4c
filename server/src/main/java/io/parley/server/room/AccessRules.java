package io.parley.server.room;

import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import java.net.InetAddress;

/**
 * Rules a business server set (SetForbidUserRule, ForbidRTCStream), asked at each login and publish: a login refused
 * here fails with 1002066, a publish with 1003025. Called on connection loops: must be cheap and must not block.
 */
public interface AccessRules {
    /** Null when the login may go on, else why not (names the rule). {@code from} may be null. */
    String loginRefusal(long appId, InetAddress from, RoomId room, UserId user);

    /** Null when the publish may go on, else why not. */
    String publishRefusal(long appId, InetAddress from, RoomId room, UserId user, StreamId stream);

    AccessRules NONE = new AccessRules() {
        @Override
        public String loginRefusal(long appId, InetAddress from, RoomId room, UserId user) {
            return null;
        }

        @Override
        public String publishRefusal(long appId, InetAddress from, RoomId room, UserId user, StreamId stream) {
            return null;
        }
    };
}
