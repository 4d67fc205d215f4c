package io.parley.server.media;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.RtcpPacket;

/** What owns a transport: a Producer (publisher side) or a Consumer (player side). Media loop only. */
abstract sealed class MediaEndpoint permits Producer, Consumer {
    abstract boolean acceptsRtpFrom(ByteBuf packet);

    abstract void onRtp(ByteBuf plaintext, long nowNanos);

    abstract void onRtcp(RtcpPacket packet, long nowNanos);

    /** DTLS done: SRTP keys are in place. */
    abstract void connected();

    abstract void transportFailed(String why);

    /** The peer closed DTLS (close_notify): its media path ended in order; signalling still owns the stream. */
    abstract void peerClosed();
}
