package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;

/**
 * Where an in-process Consumer's packets go (an FLV/RTMP writer, a transcoder, a recorder, a test), instead of a
 * WebRTC transport. Both methods run on the media loop and must not block: hand heavy work to a worker pool.
 */
@FunctionalInterface
public interface RtpSink {
    /**
     * One plaintext RTP packet of the Producer, exactly as the Producer received it (its SSRC, sequence numbers,
     * payload type and timestamps; no rewriting, no retransmissions). {@code rtp} is a retained duplicate: the
     * sink owns it and must release it exactly once (here or later, on any thread). Its bytes are shared with the
     * Producer's other Consumers, so the sink must not modify them; copy first to rewrite. One exception, so that
     * a sink only ever decodes plain Opus: an Opus RED packet (RFC 2198) of a publisher that negotiated RED arrives
     * as a copy of its own, stripped to the primary block (the publisher's Opus payload type, same sequence number,
     * SSRC and timestamp, no header extensions).
     */
    void onRtp(ByteBuf rtp);

    /** The Consumer closed (stopped, or its Producer closed); no packet follows. Called once. */
    default void onClose() {}
}
