package io.parley.protocol;

/** A room's identifier; validates itself (reference §1.2). */
public record RoomId(String value) {
    public RoomId {
        Identifiers.roomId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
