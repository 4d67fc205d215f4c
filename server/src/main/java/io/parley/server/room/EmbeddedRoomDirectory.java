package io.parley.server.room;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.parley.protocol.RoomId;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The single-node {@link RoomDirectory}: {@link AppSpace}'s room map; a room is pinned to the next loop of the group. */
final class EmbeddedRoomDirectory implements RoomDirectory {
    /** Makes a room; the directory only decides where it lives. */
    @FunctionalInterface
    interface RoomFactory {
        Room open(AppSpace app, RoomId id, EventLoop loop);
    }

    private final String node;
    private final Map<Long, AppSpace> apps;
    private final EventLoopGroup loops;
    private final RoomFactory factory;

    EmbeddedRoomDirectory(String node, Map<Long, AppSpace> apps, EventLoopGroup loops, RoomFactory factory) {
        this.node = node;
        this.apps = apps;
        this.loops = loops;
        this.factory = factory;
    }

    @Override
    public CompletionStage<Placement> locate(long appId, RoomId id) {
        AppSpace app = apps.get(appId);
        Room room = app.rooms.compute(id, (k, v) -> v == null || v.isClosed() ? factory.open(app, k, (EventLoop) loops.next()) : v);
        return CompletableFuture.completedFuture(new Placement(node, room));
    }

    @Override
    public Room find(long appId, RoomId id) {
        AppSpace app = apps.get(appId);
        return app == null ? null : app.rooms.get(id);
    }

    @Override
    public void closed(Room room) {
        room.app().rooms.remove(room.id(), room);
    }
}
