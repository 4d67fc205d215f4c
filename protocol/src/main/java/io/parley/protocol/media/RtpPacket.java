package io.parley.protocol.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A reusable, zero-copy view of an RTP packet (RFC 3550) in a {@link ByteBuf}.
 *
 * <p>Made for the per-packet path: keep one view per event loop (or per Transport), call
 * {@link #wrap} for each packet and read or rewrite fields in place. Nothing here allocates except
 * {@link #payload()}. A view is not thread-safe and does not own or retain the buffer.
 *
 * <p>Offsets returned by this class are relative to the first byte of the packet (the reader index
 * at {@link #wrap} time).
 */
public final class RtpPacket {

    public static final int FIXED_HEADER_LENGTH = 12;
    public static final int VERSION = 2;
    /** RFC 8285 one-byte header extension profile. */
    public static final int ONE_BYTE_PROFILE = 0xBEDE;
    /** RFC 8285 two-byte header extension profile; the low 4 bits are application bits. */
    public static final int TWO_BYTE_PROFILE = 0x1000;

    /** Why a packet is not usable RTP; {@link #OK} when it is. */
    public enum Status {
        OK("ok"),
        TOO_SHORT("shorter than the 12-byte RTP header"),
        BAD_VERSION("RTP version is not 2"),
        HEADER_LONGER_THAN_PACKET("CSRC list or header extension runs past the end of the packet"),
        BAD_PADDING("padding count is 0 or larger than the payload");

        private final String reason;

        Status(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private ByteBuf buf;
    private int start;
    private int length;
    private int headerLength;
    private int paddingLength;
    private int extensionProfile = -1;
    private int extensionDataOffset;
    private int extensionDataLength;

    /**
     * Points this view at the readable bytes of {@code packet} and validates the header. On any
     * status other than {@link Status#OK} the accessors must not be used.
     */
    public Status wrap(ByteBuf packet) {
        buf = packet;
        start = packet.readerIndex();
        length = packet.readableBytes();
        extensionProfile = -1;
        extensionDataOffset = 0;
        extensionDataLength = 0;
        paddingLength = 0;
        headerLength = 0;
        if (length < FIXED_HEADER_LENGTH) {
            return Status.TOO_SHORT;
        }
        int b0 = packet.getUnsignedByte(start);
        if (b0 >>> 6 != VERSION) {
            return Status.BAD_VERSION;
        }
        int header = FIXED_HEADER_LENGTH + 4 * (b0 & 0x0F);
        if ((b0 & 0x10) != 0) {
            if (header + 4 > length) {
                return Status.HEADER_LONGER_THAN_PACKET;
            }
            extensionProfile = packet.getUnsignedShort(start + header);
            extensionDataLength = 4 * packet.getUnsignedShort(start + header + 2);
            extensionDataOffset = header + 4;
            header = extensionDataOffset + extensionDataLength;
        }
        if (header > length) {
            return Status.HEADER_LONGER_THAN_PACKET;
        }
        headerLength = header;
        if ((b0 & 0x20) != 0) {
            int padding = packet.getUnsignedByte(start + length - 1);
            if (padding == 0 || padding > length - header) {
                return Status.BAD_PADDING;
            }
            paddingLength = padding;
        }
        return Status.OK;
    }

    /** The buffer this view is over. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Index of the packet's first byte in {@link #buffer()}. */
    public int offset() {
        return start;
    }

    /** Length of the whole packet, header to padding. */
    public int length() {
        return length;
    }

    public int version() {
        return buf.getUnsignedByte(start) >>> 6;
    }

    public boolean hasPadding() {
        return (buf.getUnsignedByte(start) & 0x20) != 0;
    }

    public boolean hasExtension() {
        return (buf.getUnsignedByte(start) & 0x10) != 0;
    }

    public int csrcCount() {
        return buf.getUnsignedByte(start) & 0x0F;
    }

    public long csrc(int index) {
        if (index < 0 || index >= csrcCount()) {
            throw new IndexOutOfBoundsException("csrc index: " + index + " (expected: 0.." + (csrcCount() - 1) + ")");
        }
        return buf.getUnsignedInt(start + FIXED_HEADER_LENGTH + 4 * index);
    }

    public boolean marker() {
        return (buf.getUnsignedByte(start + 1) & 0x80) != 0;
    }

    public int payloadType() {
        return buf.getUnsignedByte(start + 1) & 0x7F;
    }

    public int sequenceNumber() {
        return buf.getUnsignedShort(start + 2);
    }

    public long timestamp() {
        return buf.getUnsignedInt(start + 4);
    }

    public long ssrc() {
        return buf.getUnsignedInt(start + 8);
    }

    /** Fixed header, CSRCs and header extension block. */
    public int headerLength() {
        return headerLength;
    }

    public int payloadOffset() {
        return headerLength;
    }

    /** Payload bytes, excluding padding. */
    public int payloadLength() {
        return length - headerLength - paddingLength;
    }

    public int paddingLength() {
        return paddingLength;
    }

    /** A slice over the payload (allocates the slice object; shares the bytes, not retained). */
    public ByteBuf payload() {
        return buf.slice(start + headerLength, payloadLength());
    }

    /** The header extension profile ({@code 0xBEDE}, {@code 0x100x}, other), or -1 if none. */
    public int extensionProfile() {
        return extensionProfile;
    }

    /** Offset of the data of RFC 8285 element {@code id}, or -1 if absent or malformed. */
    public int extensionOffset(int id) {
        long found = findExtension(id);
        return found < 0 ? -1 : (int) (found >>> 32);
    }

    /** Length of the data of RFC 8285 element {@code id}, or -1 if absent or malformed. */
    public int extensionLength(int id) {
        long found = findExtension(id);
        return found < 0 ? -1 : (int) found;
    }

    /**
     * The audio level of RFC 6464 (0..127, in -dBov: 0 is loudest, 127 silence) carried in element
     * {@code id}, or -1 if the packet has none.
     */
    public int audioLevel(int id) {
        long found = findExtension(id);
        return found < 0 || (int) found < 1 ? -1 : buf.getUnsignedByte(start + (int) (found >>> 32)) & 0x7F;
    }

    /** The V flag of RFC 6464 in element {@code id}: the sender thinks this packet has voice. */
    public boolean voiceActivity(int id) {
        long found = findExtension(id);
        return found >= 0 && (int) found >= 1 && (buf.getUnsignedByte(start + (int) (found >>> 32)) & 0x80) != 0;
    }

    /**
     * Every RFC 8285 element (one-byte or two-byte form), id to a copy of its data, in packet order; empty when the
     * packet has none. Allocates: for clients and tests, not for the forwarding path.
     */
    public Map<Integer, byte[]> extensionElements() {
        Map<Integer, byte[]> elements = new LinkedHashMap<>();
        for (int id = 1; id <= 255; id++) {
            long found = findExtension(id);
            if (found >= 0) {
                elements.put(id, ByteBufUtil.getBytes(buf, start + (int) (found >>> 32), (int) found));
            }
        }
        return elements;
    }

    /**
     * Finds RFC 8285 element {@code id} in the one-byte or two-byte format; returns
     * {@code offset << 32 | length} of its data, or -1. Packed into a long so the search allocates
     * nothing.
     */
    private long findExtension(int id) {
        if (id <= 0 || extensionProfile < 0) {
            return -1;
        }
        boolean oneByte = extensionProfile == ONE_BYTE_PROFILE;
        if (!oneByte && (extensionProfile & 0xFFF0) != TWO_BYTE_PROFILE) {
            return -1;
        }
        int i = extensionDataOffset;
        int end = extensionDataOffset + extensionDataLength;
        while (i < end) {
            int b = buf.getUnsignedByte(start + i);
            if (b == 0) { // padding between elements
                i++;
                continue;
            }
            int elementId;
            int dataLength;
            int data;
            if (oneByte) {
                elementId = b >>> 4;
                if (elementId == 15) { // reserved: stop processing (RFC 8285 4.2)
                    return -1;
                }
                dataLength = (b & 0x0F) + 1;
                data = i + 1;
            } else {
                if (i + 2 > end) {
                    return -1;
                }
                elementId = b;
                dataLength = buf.getUnsignedByte(start + i + 1);
                data = i + 2;
            }
            if (data + dataLength > end) {
                return -1;
            }
            if (elementId == id) {
                return (long) data << 32 | dataLength;
            }
            i = data + dataLength;
        }
        return -1;
    }

    public void setMarker(boolean marker) {
        int b1 = buf.getUnsignedByte(start + 1);
        buf.setByte(start + 1, marker ? b1 | 0x80 : b1 & 0x7F);
    }

    /** Rewrites the payload type, keeping the marker bit. */
    public void setPayloadType(int payloadType) {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payloadType: " + payloadType + " (expected: 0..127)");
        }
        buf.setByte(start + 1, (buf.getUnsignedByte(start + 1) & 0x80) | payloadType);
    }

    public void setSequenceNumber(int sequenceNumber) {
        buf.setShort(start + 2, sequenceNumber);
    }

    public void setTimestamp(long timestamp) {
        buf.setInt(start + 4, (int) timestamp);
    }

    public void setSsrc(long ssrc) {
        buf.setInt(start + 8, (int) ssrc);
    }

    /**
     * Writes a 12-byte RTP header without CSRCs, followed, when {@code audioLevelId} is 1..14, by
     * a one-byte extension block holding the RFC 6464 audio level (8 more bytes).
     * Returns the number of bytes written; the caller writes the payload next.
     */
    public static int writeHeader(ByteBuf out, int payloadType, boolean marker, int sequenceNumber,
            long timestamp, long ssrc, int audioLevelId, boolean voice, int level) {
        return writeHeader(out, payloadType, marker, sequenceNumber, timestamp, ssrc, audioLevelId, voice, level, 0, null);
    }

    /**
     * As {@link #writeHeader(ByteBuf, int, boolean, int, long, long, int, boolean, int)}, and when {@code midId} is
     * 1..14 also the RFC 8843 {@code sdes:mid} element ({@code mid}: 1..16 ASCII bytes) in the same one-byte block,
     * as browsers send it.
     */
    public static int writeHeader(ByteBuf out, int payloadType, boolean marker, int sequenceNumber,
            long timestamp, long ssrc, int audioLevelId, boolean voice, int level, int midId, byte[] mid) {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payloadType: " + payloadType + " (expected: 0..127)");
        }
        boolean withLevel = audioLevelId != 0;
        boolean withMid = midId != 0;
        if (withLevel && (audioLevelId < 1 || audioLevelId > 14 || level < 0 || level > 127)) {
            throw new IllegalArgumentException("audio level id " + audioLevelId + ", level " + level
                    + " (expected: id 1..14, level 0..127)");
        }
        if (withMid && (midId < 1 || midId > 14 || midId == audioLevelId || mid == null || mid.length < 1
                || mid.length > 16)) {
            throw new IllegalArgumentException("mid id " + midId + ", mid " + (mid == null ? "null" : mid.length + " bytes")
                    + " (expected: id 1..14 other than the level's, 1..16 bytes)");
        }
        boolean extension = withLevel || withMid;
        out.writeByte(VERSION << 6 | (extension ? 0x10 : 0));
        out.writeByte((marker ? 0x80 : 0) | payloadType);
        out.writeShort(sequenceNumber);
        out.writeInt((int) timestamp);
        out.writeInt((int) ssrc);
        if (!extension) {
            return FIXED_HEADER_LENGTH;
        }
        int data = (withLevel ? 2 : 0) + (withMid ? 1 + mid.length : 0);
        int words = (data + 3) / 4;
        out.writeShort(ONE_BYTE_PROFILE);
        out.writeShort(words);
        if (withLevel) {
            out.writeByte(audioLevelId << 4); // L = 0: one data byte
            out.writeByte((voice ? 0x80 : 0) | level);
        }
        if (withMid) {
            out.writeByte(midId << 4 | (mid.length - 1));
            out.writeBytes(mid);
        }
        out.writeZero(4 * words - data); // padding to the word boundary
        return FIXED_HEADER_LENGTH + 4 + 4 * words;
    }
}
