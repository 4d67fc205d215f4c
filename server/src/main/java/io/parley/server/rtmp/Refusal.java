package io.parley.server.rtmp;

/** Why the gate refused; decides the RTMP status code and the HTTP status a refused peer sees. */
public enum Refusal {
    /** Key missing, malformed, expired or not valid for this stream. HTTP 403; RTMP Publish.BadName / Play.Failed. */
    BAD_KEY(403),
    /** Valid key, but not allowed (e.g. no publish privilege). HTTP 403. */
    FORBIDDEN(403),
    /** No such stream (and the gate does not want the player to wait). HTTP 404; RTMP Play.StreamNotFound. */
    NOT_FOUND(404),
    /** The stream name is already being published. RTMP Publish.BadName. */
    BUSY(409),
    /** The server cannot take it now (draining, overloaded, the gate timed out or failed). HTTP 503. */
    UNAVAILABLE(503);

    private final int httpStatus;

    Refusal(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The metric tag value. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
