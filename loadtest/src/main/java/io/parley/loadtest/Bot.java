package io.parley.loadtest;

import io.parley.client.ParleyEngine;
import io.parley.protocol.signal.Messages;

/** One simulated user: a session, its room, and the moments the fan-out measurements need. */
final class Bot {
    final int index;
    final int room;
    final String userId;
    final String roomId;
    final ParleyEngine engine;
    volatile String token;
    /** When this bot's current loginRoom was sent (nanoTime), for the user fan-out of its peers. */
    volatile long loginSentAt;
    /** When its login succeeded (nanoTime); 0 while not in the room. Only pushes about later actions are timed. */
    volatile long loggedInAt;
    volatile boolean busy;
    volatile boolean closing;

    Bot(int index, int room, String userId, String roomId, ParleyEngine engine) {
        this.index = index;
        this.room = room;
        this.userId = userId;
        this.roomId = roomId;
        this.engine = engine;
    }

    Messages.User user() {
        return new Messages.User(userId, userId);
    }

    boolean inRoom() {
        return loggedInAt != 0;
    }

    /** True when this bot was in the room before {@code sentNanos}: a push about that action is a fan-out to time. */
    boolean wasInRoomBefore(long sentNanos) {
        long at = loggedInAt;
        return at != 0 && at - sentNanos < 0;
    }
}
