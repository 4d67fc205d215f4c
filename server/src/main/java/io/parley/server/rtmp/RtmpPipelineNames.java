package io.parley.server.rtmp;

/** Names of the RTMP pipeline's handlers, head to tail. */
final class RtmpPipelineNames {
    private RtmpPipelineNames() {}

    static final String BYTE_COUNTER = "rtmp-bytes";
    static final String IDLE = "rtmp-idle";
    static final String HANDSHAKE = "rtmp-handshake";
    static final String CHUNK_ENCODER = "rtmp-chunk-encoder";
    static final String CHUNK_DECODER = "rtmp-chunk-decoder";
    static final String SESSION = "rtmp-session";
}
