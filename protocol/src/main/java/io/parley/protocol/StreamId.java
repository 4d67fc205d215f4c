package io.parley.protocol;

/** A published stream's identifier, unique per AppID; validates itself (reference §1.2). */
public record StreamId(String value) {
    public StreamId {
        Identifiers.streamId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
