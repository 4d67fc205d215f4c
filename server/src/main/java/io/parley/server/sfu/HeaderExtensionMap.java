package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How one player's packets carry RFC 8285 header extensions: each side of an SFU negotiates its own ids for the same
 * URIs, so a publisher's element is rewritten publisher id → URI → the player's id, an element the player did not
 * negotiate is dropped, and the publisher's {@code sdes:mid} is replaced by the player's own mid. Immutable; built
 * once per Consumer, used on the media loop without allocating.
 *
 * <p>The block is written in the one-byte form when every element fits it (id 1..14, 1..16 data bytes), else in the
 * two-byte form (ids up to 255, 0..255 data bytes).
 */
final class HeaderExtensionMap {
    private static final int MAX_ID = 255;
    private static final int ONE_BYTE_MAX_ID = 14;
    private static final int ONE_BYTE_MAX_DATA = 16;

    /** No extensions on either side: packets leave with no extension block. */
    static final HeaderExtensionMap NONE = new HeaderExtensionMap(new short[MAX_ID + 1], 0, new byte[0]);

    /** Publisher id → player id, 0 when the element is dropped. */
    private final short[] toPlayer;
    /** The player's id for sdes:mid, 0 when none is written. */
    private final int midId;
    private final byte[] mid;

    private HeaderExtensionMap(short[] toPlayer, int midId, byte[] mid) {
        this.toPlayer = toPlayer;
        this.midId = midId;
        this.mid = mid;
    }

    /**
     * @param publisher the publisher's negotiated extensions (URI → id); empty for an in-process source
     * @param player    the player's negotiated extensions (URI → id)
     * @param playerMid the player's {@code a=mid}, or null (then no mid is written)
     */
    static HeaderExtensionMap of(Map<String, Integer> publisher, Map<String, Integer> player, String playerMid) {
        short[] toPlayer = new short[MAX_ID + 1];
        boolean any = false;
        for (Map.Entry<String, Integer> e : publisher.entrySet()) {
            Integer theirs = player.get(e.getKey());
            int ours = e.getValue();
            // The publisher's mid names its own transport's section: never forwarded, the player's is written instead.
            if (theirs != null && !e.getKey().equals(Sdp.MID_URI) && ours >= 1 && ours <= MAX_ID
                    && theirs >= 1 && theirs <= MAX_ID) {
                toPlayer[ours] = (short) theirs.intValue();
                any = true;
            }
        }
        Integer midId = player.get(Sdp.MID_URI);
        byte[] mid = playerMid == null ? new byte[0] : playerMid.getBytes(StandardCharsets.US_ASCII);
        boolean writesMid = midId != null && midId >= 1 && midId <= MAX_ID && mid.length >= 1 && mid.length <= MAX_ID;
        if (!any && !writesMid) {
            return NONE;
        }
        return new HeaderExtensionMap(toPlayer, writesMid ? midId : 0, writesMid ? mid : new byte[0]);
    }

    /** The player's id for a publisher's element id, or 0 when it is dropped (tests). */
    int playerId(int publisherId) {
        return publisherId >= 0 && publisherId <= MAX_ID ? toPlayer[publisherId] : 0;
    }

    /**
     * Bytes of the player's extension block for {@code in} (the 4-byte profile and length header included, padded to
     * a 32-bit word), or 0 when the player's packet carries none.
     */
    int blockLength(RtpPacket in) {
        long measured = walk(in, null, false);
        return measured == 0 ? 0 : 4 + ((dataLength(measured) + 3) & ~3);
    }

    /** Writes the block {@link #blockLength} measured; writes nothing when that is 0. */
    void writeBlock(RtpPacket in, ByteBuf out) {
        long measured = walk(in, null, false);
        if (measured == 0) {
            return;
        }
        boolean oneByte = (measured & ONE_BYTE_OK) != 0;
        int data = dataLength(measured);
        int padded = (data + 3) & ~3;
        out.writeShort(oneByte ? RtpPacket.ONE_BYTE_PROFILE : RtpPacket.TWO_BYTE_PROFILE);
        out.writeShort(padded / 4);
        walk(in, out, oneByte);
        out.writeZero(padded - data);
    }

    private static final long ONE_BYTE_OK = 1L << 62;
    private static final int FIELD_BITS = 24;
    private static final long FIELD_MASK = (1L << FIELD_BITS) - 1;

    private static int dataLength(long measured) {
        return (int) ((measured & ONE_BYTE_OK) != 0 ? measured & FIELD_MASK : measured >>> FIELD_BITS & FIELD_MASK);
    }

    /**
     * One pass over the player's elements (its mid, then {@code in}'s translated ones): with {@code out} null it
     * measures, returning the data length in the one-byte form (bits 0..23) and in the two-byte form (bits 24..47),
     * with {@link #ONE_BYTE_OK} set when the one-byte form holds every element, or 0 when there is nothing to write
     * (packed in a long so measuring allocates nothing); with {@code out} it writes the elements in the given form.
     */
    private long walk(RtpPacket in, ByteBuf out, boolean oneByte) {
        long one = 0;
        long two = 0;
        boolean oneOk = true;
        if (midId != 0) {
            one += 1 + mid.length;
            two += 2 + mid.length;
            oneOk = midId <= ONE_BYTE_MAX_ID && mid.length <= ONE_BYTE_MAX_DATA;
            if (out != null) {
                element(out, oneByte, midId, mid.length);
                out.writeBytes(mid);
            }
        }
        int profile = in.extensionProfile();
        boolean inOneByte = profile == RtpPacket.ONE_BYTE_PROFILE;
        if (this != NONE && (inOneByte || (profile & 0xFFF0) == RtpPacket.TWO_BYTE_PROFILE)) {
            ByteBuf buf = in.buffer();
            int i = in.offset() + extensionStart(in);
            int end = in.offset() + in.headerLength();
            while (i < end) {
                int b = buf.getUnsignedByte(i);
                if (b == 0) { // padding between elements
                    i++;
                    continue;
                }
                int id;
                int len;
                int at;
                if (inOneByte) {
                    id = b >>> 4;
                    if (id == 15) { // reserved: stop processing (RFC 8285 4.2)
                        break;
                    }
                    len = (b & 0x0F) + 1;
                    at = i + 1;
                } else {
                    if (i + 2 > end) {
                        break;
                    }
                    id = b;
                    len = buf.getUnsignedByte(i + 1);
                    at = i + 2;
                }
                if (at + len > end) {
                    break; // malformed: what came before is kept
                }
                int to = toPlayer[id];
                if (to != 0) {
                    one += 1 + len;
                    two += 2 + len;
                    oneOk &= to <= ONE_BYTE_MAX_ID && len >= 1 && len <= ONE_BYTE_MAX_DATA;
                    if (out != null) {
                        element(out, oneByte, to, len);
                        out.writeBytes(buf, at, len);
                    }
                }
                i = at + len;
            }
        }
        if (two == 0) {
            return 0;
        }
        return one | two << FIELD_BITS | (oneOk ? ONE_BYTE_OK : 0);
    }

    private static void element(ByteBuf out, boolean oneByte, int id, int len) {
        if (oneByte) {
            out.writeByte(id << 4 | (len - 1));
        } else {
            out.writeByte(id);
            out.writeByte(len);
        }
    }

    /** Offset of the extension elements from the packet's start (after the 4-byte profile and length). */
    private static int extensionStart(RtpPacket in) {
        return RtpPacket.FIXED_HEADER_LENGTH + 4 * in.csrcCount() + 4;
    }
}
