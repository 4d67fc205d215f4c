package io.parley.protocol;

/** A user's identifier, unique per AppID; validates itself (reference §1.2). */
public record UserId(String value) {
    public UserId {
        Identifiers.userId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
