package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.RtpPacket;

/**
 * Writes one player's copy of a publisher's RTP packet: its payload type, sequence number and SSRC, its header
 * extensions ({@link HeaderExtensionMap}); CSRCs, timestamp and marker as they came. An Opus RED packet (RFC 2198)
 * passes with its block payload types rewritten when the player negotiated RED, and is stripped to its primary block
 * (plain Opus) when it did not. Pure and allocation-free: the caller sizes the one output buffer with {@link #length}.
 */
final class PlayerRewrite {

    /**
     * The payload types of both sides.
     *
     * @param opusIn  the publisher's Opus, or -1 when unknown (an in-process source)
     * @param redIn   the publisher's RED, or -1 when it did not negotiate it
     * @param opusOut the player's Opus
     * @param redOut  the player's RED, or -1 when it did not negotiate it
     */
    record PayloadTypes(int opusIn, int redIn, int opusOut, int redOut) {
    }

    private PlayerRewrite() {
    }

    /** Bytes {@link #write} writes for {@code in} (a valid packet), or -1 when it is RED that cannot be parsed. */
    static int length(RtpPacket in, HeaderExtensionMap extensions, PayloadTypes types) {
        int header = RtpPacket.FIXED_HEADER_LENGTH + 4 * in.csrcCount() + extensions.blockLength(in);
        if (!isRed(in, types)) {
            return header + in.length() - in.headerLength();
        }
        long primary = primary(in);
        if (primary < 0) {
            return -1;
        }
        return types.redOut() >= 0 ? header + in.length() - in.headerLength() : header + (int) primary;
    }

    /** Writes the player's copy of {@code in}; {@link #length} must have said it is not -1. */
    static void write(RtpPacket in, HeaderExtensionMap extensions, PayloadTypes types, int sequenceNumber, long ssrc,
            ByteBuf out) {
        ByteBuf plain = in.buffer();
        int start = in.offset();
        int at = out.writerIndex();
        int fixed = RtpPacket.FIXED_HEADER_LENGTH + 4 * in.csrcCount();
        boolean block = extensions.blockLength(in) != 0;
        boolean red = isRed(in, types);
        boolean strip = red && types.redOut() < 0;
        out.writeBytes(plain, start, fixed);
        int b0 = out.getByte(at) & 0xFF;
        b0 = block ? b0 | 0x10 : b0 & ~0x10;
        if (strip) {
            b0 &= ~0x20; // the padding stays behind with the redundant blocks
        }
        out.setByte(at, b0);
        out.setByte(at + 1, (out.getByte(at + 1) & 0x80) | (red && !strip ? types.redOut() : types.opusOut()));
        out.setShort(at + 2, sequenceNumber);
        out.setInt(at + 8, (int) ssrc);
        extensions.writeBlock(in, out);
        int payload = start + in.payloadOffset();
        if (strip) {
            int length = (int) primary(in);
            out.writeBytes(plain, start + in.payloadOffset() + in.payloadLength() - length, length);
            return;
        }
        int body = out.writerIndex();
        out.writeBytes(plain, payload, in.length() - in.headerLength());
        if (red) {
            // Each block header names its codec: the publisher's Opus becomes the player's.
            int i = body;
            while (true) {
                int h = out.getUnsignedByte(i);
                if ((h & 0x7F) == types.opusIn()) {
                    out.setByte(i, (h & 0x80) | types.opusOut());
                }
                if ((h & 0x80) == 0) {
                    break;
                }
                i += 4;
            }
        }
    }

    private static boolean isRed(RtpPacket in, PayloadTypes types) {
        return types.redIn() >= 0 && in.payloadType() == types.redIn();
    }

    /**
     * The length of the primary (last) block of a RED payload, or -1 when the headers run past the payload or the
     * blocks are longer than it. RFC 2198: 4-byte headers (F=1, PT, timestamp offset, length) for redundant blocks,
     * a 1-byte header (F=0, PT) for the primary, then the blocks in that order.
     */
    static long primary(RtpPacket in) {
        ByteBuf buf = in.buffer();
        int i = in.offset() + in.payloadOffset();
        int end = i + in.payloadLength();
        int redundant = 0;
        while (true) {
            if (i >= end) {
                return -1;
            }
            int h = buf.getUnsignedByte(i);
            if ((h & 0x80) == 0) {
                i++;
                break;
            }
            if (i + 4 > end) {
                return -1;
            }
            redundant += buf.getUnsignedShort(i + 2) & 0x3FF;
            i += 4;
        }
        return i + redundant > end ? -1 : end - i - redundant;
    }
}
