package io.parley.server.room;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.StreamId;

/**
 * The media edge for clients without WebRTC (WeChat mini-programs: RTMP push, RTMP/HTTP-FLV play), as rooms see
 * it: it mints the URLs a session is given, and ends its connections when the session stops. Any thread.
 */
public interface RemoteMedia {
    /** A URL for a native component and when it stops admitting new connections (epoch milliseconds). */
    record Url(String url, long expiresAtMillis) {}

    /** The push URL for {@code stream} of session {@code s} (transport rtmp). */
    Url publishUrl(Session s, StreamId stream);

    /** The play URL for {@code stream} in {@code transport} ("rtmp" or "flv") for session {@code s}. */
    Url playUrl(Session s, StreamId stream, String transport);

    /** Ends the RTMP publish of {@code stream} (stopPublishing, logout, kick): its connection is closed. */
    void closePublish(long appId, StreamId stream);

    /** Ends session {@code s}'s RTMP/FLV players of {@code stream} (stopPlaying, logout, stream gone). */
    void closePlayer(Session s, StreamId stream);

    /** No RTMP edge on this server: the rtmp and flv transports are refused. */
    RemoteMedia DISABLED = new RemoteMedia() {
        @Override
        public Url publishUrl(Session s, StreamId stream) {
            throw disabled();
        }

        @Override
        public Url playUrl(Session s, StreamId stream, String transport) {
            throw disabled();
        }

        @Override
        public void closePublish(long appId, StreamId stream) {}

        @Override
        public void closePlayer(Session s, StreamId stream) {}

        private ProtocolException disabled() {
            return new ProtocolException(ErrorCode.PARAMETER_ERROR,
                    "transport: rtmp and flv are disabled on this server (rtmp.enabled: false)");
        }
    };
}
