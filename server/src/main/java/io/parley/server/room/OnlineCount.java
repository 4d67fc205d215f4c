package io.parley.server.room;

import io.netty.util.concurrent.ScheduledFuture;
import io.parley.protocol.signal.Messages;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * roomOnlineUserCountUpdate: to a member right after its login (and its resume), and to every member each
 * {@code room.onlineCountInterval} while the room lives. Best-effort and superseded by the next: never numbered nor kept
 * for a resume ({@link ReplayBuffer#sequenced}). Room loop only.
 */
final class OnlineCount {
    private final Room room;
    private final Duration interval;
    private ScheduledFuture<?> timer;

    OnlineCount(Room room, Duration interval) {
        this.room = room;
        this.interval = interval;
    }

    /** After {@code s}'s login sequence: its count now, and the room's periodic count from now on. */
    void joined(Session s) {
        s.send(push());
        if (timer == null) {
            long every = interval.toNanos();
            timer = room.loop().scheduleAtFixedRate(this::tick, every, every, TimeUnit.NANOSECONDS);
        }
    }

    /** The count now, to {@code s} alone (a resumed session). */
    void tell(Session s) {
        s.send(push());
    }

    private void tick() {
        if (room.isClosed()) {
            stop();
            return;
        }
        room.fanOut(push(), m -> true);
    }

    private Signal.RoomNotice push() {
        return new Signal.RoomNotice(Messages.ROOM_ONLINE_USER_COUNT_UPDATE,
                new Messages.RoomOnlineUserCountUpdate(room.id().value(), room.memberCount()), true);
    }

    void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
