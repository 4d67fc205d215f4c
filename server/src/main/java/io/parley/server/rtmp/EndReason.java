package io.parley.server.rtmp;

/** Why a publisher or subscriber went away. */
public enum EndReason {
    /** The peer said so: deleteStream, FCUnpublish, closeStream, or {@code close()} on a local handle. */
    CLOSED,
    /** The connection dropped without a goodbye (or the idle timeout struck). */
    DISCONNECTED,
    /** The peer broke the protocol or a bound; the connection was closed. */
    ERROR,
    /** A player could not keep up and was closed ({@link RtmpConfig#slowPlayerTimeout()}). */
    SLOW,
    /** A player waited longer than {@link RtmpConfig#playWaitTimeout()} for the stream to go live. */
    NOT_LIVE,
    /** The integrator ended it ({@link LiveStreams#closeStream}, {@link PublishSession#close}) or the server stops. */
    KICKED
}
