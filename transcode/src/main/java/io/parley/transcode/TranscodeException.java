package io.parley.transcode;

/**
 * A transcoder could not be created or could not process its input (bad AudioSpecificConfig, a codec that failed to
 * open, an FFmpeg call that failed). Unchecked so that transcoding tasks fit in a {@link Runnable}; the methods that
 * throw it say so in their {@code throws} clause.
 */
public class TranscodeException extends RuntimeException {
    public TranscodeException(String message) {
        super(message);
    }

    public TranscodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
