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

    /** When it last entered (kept after it leaves) and last left (nanoTime), for pushes that cross a logout. */
    volatile long lastEnteredAt;
    volatile long leftAt;

    /**
     * True when this bot was in the room when {@code sentNanos} was taken: a push about that action is a fan-out to
     * time (also when it arrives just after this bot started to log out).
     */
    boolean wasInRoomBefore(long sentNanos) {
        long at = loggedInAt;
        if (at != 0) {
            return at - sentNanos < 0;
        }
        long entered = lastEnteredAt;
        return entered != 0 && entered - sentNanos < 0 && leftAt - sentNanos > 0;
    }
}
