package io.parley.server.rtmp;

/** Malformed AMF0: a value cut short, an unknown marker, nesting too deep. */
public final class AmfException extends RtmpException {
    public AmfException(String message) {
        super("amf", message);
    }
}
