package io.parley.server.rtmp;

/**
 * A peer broke the RTMP, AMF0 or FLV rules (or asked for more than the configured bounds). The only exception the
 * codecs in this package throw on bad input; the connection that caused it is closed.
 */
public class RtmpException extends RuntimeException {
    private final String reason;

    public RtmpException(String reason, String message) {
        super(message, null, false, false); // thrown per bad input: no stack trace to fill
        this.reason = reason;
    }

    /** A short, fixed metric-safe reason such as {@code "chunk_size"} or {@code "amf"}. */
    public String reason() {
        return reason;
    }
}
