package io.parley.protocol.media;

import java.util.Objects;

/**
 * The outcome of decoding a packet off the wire: a value, or the reason it was refused.
 *
 * <p>Parsers on the media path return this instead of throwing, because garbage from the network
 * is expected and an exception per bad datagram is both slow and easy to leak into a log storm.
 *
 * @param value the decoded value, or {@code null} when decoding failed
 * @param error why decoding failed (says what was expected), or {@code null} on success
 */
public record Parsed<T>(T value, String error) {

    public Parsed {
        if ((value == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of value and error must be set");
        }
    }

    public static <T> Parsed<T> ok(T value) {
        return new Parsed<>(Objects.requireNonNull(value, "value"), null);
    }

    public static <T> Parsed<T> fail(String error) {
        return new Parsed<>(null, Objects.requireNonNull(error, "error"));
    }

    public boolean isOk() {
        return value != null;
    }
}
