package io.parley.protocol.media;

import io.netty.buffer.ByteBuf;

/**
 * Tells apart what arrives on the one shared media port, by the first byte (RFC 7983) and, for
 * RTP versus RTCP, the second byte (RFC 5761: with rtcp-mux, 192..223 is RTCP, because those RTCP
 * packet types collide only with RTP payload types 64..95 that must then not be used).
 */
public final class MediaDemux {

    public enum Kind { STUN, DTLS, RTP, RTCP, UNKNOWN }

    private MediaDemux() {
    }

    /** Classifies the readable bytes of {@code packet} without moving its reader index. */
    public static Kind classify(ByteBuf packet) {
        if (packet.readableBytes() < 2) {
            return Kind.UNKNOWN;
        }
        int i = packet.readerIndex();
        return classify(packet.getUnsignedByte(i), packet.getUnsignedByte(i + 1));
    }

    public static Kind classify(byte[] packet, int length) {
        return length < 2 ? Kind.UNKNOWN : classify(packet[0] & 0xFF, packet[1] & 0xFF);
    }

    private static Kind classify(int first, int second) {
        if (first <= 3) {
            return Kind.STUN;
        }
        if (first >= 20 && first <= 63) {
            return Kind.DTLS;
        }
        if (first >= 128 && first <= 191) {
            return second >= 192 && second <= 223 ? Kind.RTCP : Kind.RTP;
        }
        return Kind.UNKNOWN; // 16..19 ZRTP, 64..79 TURN channels: not used here
    }
}
