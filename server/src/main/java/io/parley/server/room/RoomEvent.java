package io.parley.server.room;

import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.StreamDeleteCode;

/**
 * What happens in a room, with its IDs and reason, emitted on the room's loop in the order the room decided it
 * (a room's events are totally ordered; two rooms' are not). Metrics, the webhook outbox and a cluster relay
 * subscribe with {@link RoomService#subscribe}. Listeners run on room loops: they must be cheap and must not block.
 */
public sealed interface RoomEvent {
    long appId();

    RoomId room();

    /** The room's first member joined. */
    record RoomCreated(long appId, RoomId room) implements RoomEvent {}

    /** The room's last member left. */
    record RoomClosed(long appId, RoomId room) implements RoomEvent {}

    record UserJoined(long appId, RoomId room, UserId user, String userName) implements RoomEvent {}

    record UserLeft(long appId, RoomId room, UserId user, LeaveReason reason) implements RoomEvent {}

    record StreamCreated(long appId, RoomId room, UserId user, StreamId stream, String extraInfo) implements RoomEvent {}

    /** A stream was deleted: {@code code} is what its DELETE notification carries. */
    record StreamClosed(long appId, RoomId room, UserId user, StreamId stream, StreamDeleteCode code) implements RoomEvent {}

    /** A subscriber. */
    @FunctionalInterface
    interface Listener {
        void onEvent(RoomEvent event);
    }
}
