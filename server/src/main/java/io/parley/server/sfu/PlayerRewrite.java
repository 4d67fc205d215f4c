package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.RtpPacket;

/**
 * Writes one player's copy of a publisher's RTP packet: its payload type, sequence number and SSRC, its header
 * extensions ({@link HeaderExtensionMap}); CSRCs, timestamp, marker, payload and padding as they came. Pure and
 * allocation-free: the caller sizes the one output buffer with {@link #length}.
 */
final class PlayerRewrite {

    private PlayerRewrite() {
    }

    /** Bytes {@link #write} writes for {@code in} (a valid packet). */
    static int length(RtpPacket in, HeaderExtensionMap extensions) {
        return RtpPacket.FIXED_HEADER_LENGTH + 4 * in.csrcCount() + extensions.blockLength(in)
                + in.length() - in.headerLength();
    }

    static void write(RtpPacket in, HeaderExtensionMap extensions, int payloadType, int sequenceNumber, long ssrc,
            ByteBuf out) {
        ByteBuf plain = in.buffer();
        int start = in.offset();
        int at = out.writerIndex();
        int fixed = RtpPacket.FIXED_HEADER_LENGTH + 4 * in.csrcCount();
        boolean block = extensions.blockLength(in) != 0;
        out.writeBytes(plain, start, fixed);
        out.setByte(at, block ? out.getByte(at) | 0x10 : out.getByte(at) & ~0x10);
        out.setByte(at + 1, (out.getByte(at + 1) & 0x80) | payloadType);
        out.setShort(at + 2, sequenceNumber);
        out.setInt(at + 8, (int) ssrc);
        extensions.writeBlock(in, out);
        out.writeBytes(plain, start + in.headerLength(), in.length() - in.headerLength());
    }
}
