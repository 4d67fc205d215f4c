package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.RtcpPacket;

/**
 * What a {@link WebRtcTransport} hands its packets and its fate to: one Producer or Consumer (a transport per
 * stream), or a {@link SessionTransport} that demultiplexes a client's bundled streams. Its media loop only.
 */
abstract class TransportOwner {
    /** The media loop this owner (and its transport) lives on. */
    abstract MediaLoop shard();

    /** Who is told what happens; also names the App and session for DTLS admission. */
    abstract MediaObserver observer();

    /** Before SRTP: whether an RTP packet may be meant for this owner (cheap; the header is in the clear). */
    abstract boolean acceptsRtpFrom(ByteBuf packet);

    abstract void onRtp(ByteBuf plaintext, long nowNanos);

    abstract void onRtcp(RtcpPacket packet, long nowNanos);

    abstract void transportFailed(String why);

    /** The peer closed DTLS (close_notify): its media path ended in order; signalling still owns the streams. */
    abstract void peerClosed();
}
