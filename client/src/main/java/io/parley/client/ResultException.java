package io.parley.client;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Completes a future that has no {@link Result} to return (a media start) when the server refused the request
 * or the media path failed: {@link #result()} has the ZEGO error code and the message, as a response would.
 */
public final class ResultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Result result;

    public ResultException(Result result) {
        super(result.code() + ": " + result.message());
        this.result = result;
    }

    /** A client-side failure reported with a ZEGO code (e.g. 1103028 when ICE or DTLS fails). */
    public ResultException(int code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.result = new Result(code, message, JsonNodeFactory.instance.objectNode());
    }

    public Result result() {
        return result;
    }

    public int code() {
        return result.code();
    }
}
