package io.parley.server.room;

import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.server.config.AppConfig;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One App's namespace. Its indexes are changed only by atomic map operations, so that userID and streamID
 * stay unique across rooms without a lock; the winner then hops to the room's loop.
 */
public final class AppSpace {
    final AppConfig config;
    final ConcurrentHashMap<RoomId, Room> rooms = new ConcurrentHashMap<>();
    final ConcurrentHashMap<UserId, Session> users = new ConcurrentHashMap<>();
    final ConcurrentHashMap<StreamId, PublishedStream> streams = new ConcurrentHashMap<>();

    AppSpace(AppConfig config) {
        this.config = config;
    }

    public long appId() {
        return config.appId();
    }

    public AppConfig config() {
        return config;
    }

    public int roomCount() {
        return rooms.size();
    }

    public int userCount() {
        return users.size();
    }

    public int streamCount() {
        return streams.size();
    }

    /** The session that owns the userID right now, if any. */
    public Session sessionOf(String userId) {
        return users.get(new UserId(userId));
    }
}
