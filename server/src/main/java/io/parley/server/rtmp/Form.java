package io.parley.server.rtmp;

/** How a subscriber (or publisher) is attached to a live stream. */
public enum Form {
    /** An RTMP connection ({@code <live-pusher>}, {@code <live-player>} with an rtmp:// URL, ffmpeg). */
    RTMP,
    /** An HTTP-FLV response ({@code <live-player>} with an http(s)://….flv URL). */
    FLV,
    /** In-process code: the integrator's transcoders. */
    LOCAL
}
