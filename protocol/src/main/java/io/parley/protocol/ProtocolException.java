package io.parley.protocol;

/** A request that cannot be served: carries the wire code and a message that says what was expected. */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;
    private final transient Object requestId;

    public ProtocolException(int code, String message) {
        this(code, message, null);
    }

    private ProtocolException(int code, String message, Object requestId) {
        super(message, null, false, false);
        this.code = code;
        this.requestId = requestId;
    }

    public int code() {
        return code;
    }

    /** The id of the request this refers to, when the envelope got far enough to have one. */
    public Object requestId() {
        return requestId;
    }

    public ProtocolException withId(Object id) {
        return new ProtocolException(code, getMessage(), id);
    }
}
