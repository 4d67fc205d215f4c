package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.RtcpPacket;

/** What owns a transport: a Producer (publisher side) or a Consumer (player side). Media loop only. */
abstract sealed class MediaEndpoint permits Producer, Consumer {
    /** Which tick of the report cycle this endpoint's reports fall on, so reports spread over the period. */
    int tickPhase;

    /** Who is told what happens; also names the App and session for DTLS admission. */
    abstract MediaObserver observer();

    abstract boolean acceptsRtpFrom(ByteBuf packet);

    abstract void onRtp(ByteBuf plaintext, long nowNanos);

    abstract void onRtcp(RtcpPacket packet, long nowNanos);

    abstract void transportFailed(String why);

    /** The peer closed DTLS (close_notify): its media path ended in order; signalling still owns the stream. */
    abstract void peerClosed();
}
