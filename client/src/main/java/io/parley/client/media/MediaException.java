package io.parley.client.media;

/** A media transport could not connect or stopped working; the message says at which step and why. */
public final class MediaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MediaException(String message) {
        super(message);
    }

    public MediaException(String message, Throwable cause) {
        super(message, cause);
    }
}
