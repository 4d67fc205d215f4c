package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental FLV parser (header, then tags with their PreviousTagSize): feed it bytes as they arrive. For tests and
 * for code that consumes HTTP-FLV. Throws only {@link RtmpException} (reason "flv") on malformed input, and never
 * holds more than one tag of at most {@code maxTagBytes}. Lifecycle: header → tags; a failure is final.
 */
public final class FlvReader {
    /** One parsed tag; {@code body} is a copy. */
    public record Tag(int type, int timestamp, byte[] body) {}

    private final int maxTagBytes;
    private boolean headerDone;
    private boolean hasAudio;
    private boolean hasVideo;
    private boolean failed;

    public FlvReader(int maxTagBytes) {
        this.maxTagBytes = maxTagBytes;
    }

    public boolean hasAudio() {
        return hasAudio;
    }

    public boolean hasVideo() {
        return hasVideo;
    }

    /** Parses what is complete in {@code in} (consuming it) and leaves a partial tag unread. */
    public List<Tag> read(ByteBuf in) {
        if (failed) {
            throw error("reader already failed");
        }
        List<Tag> out = new ArrayList<>();
        try {
            if (!headerDone) {
                if (in.readableBytes() < 13) {
                    return out;
                }
                int start = in.readerIndex();
                if (in.getByte(start) != 'F' || in.getByte(start + 1) != 'L' || in.getByte(start + 2) != 'V') {
                    throw error("signature: not \"FLV\"");
                }
                int flags = in.getUnsignedByte(start + 4);
                long headerSize = in.getUnsignedInt(start + 5);
                if (headerSize != 9) {
                    throw error("header size " + headerSize + " (expected: 9)");
                }
                hasAudio = (flags & 4) != 0;
                hasVideo = (flags & 1) != 0;
                in.skipBytes(13); // header and PreviousTagSize0
                headerDone = true;
            }
            while (in.readableBytes() >= 11) {
                int start = in.readerIndex();
                int type = in.getUnsignedByte(start) & 0x1F;
                int size = in.getUnsignedMedium(start + 1);
                if (size > maxTagBytes) {
                    throw error("tag of " + size + " bytes (expected: <= " + maxTagBytes + ")");
                }
                if (type != 8 && type != 9 && type != 18) {
                    throw error("tag type " + type + " (expected: 8, 9 or 18)");
                }
                if (in.readableBytes() < 11 + size + 4) {
                    break;
                }
                int ts = in.getUnsignedMedium(start + 4) | in.getUnsignedByte(start + 7) << 24;
                byte[] body = new byte[size];
                in.getBytes(start + 11, body);
                long prev = in.getUnsignedInt(start + 11 + size);
                if (prev != 11 + size) {
                    throw error("PreviousTagSize " + prev + " (expected: " + (11 + size) + ")");
                }
                in.skipBytes(11 + size + 4);
                out.add(new Tag(type, ts, body));
            }
            return out;
        } catch (RtmpException e) {
            failed = true;
            throw e;
        }
    }

    private static RtmpException error(String message) {
        return new RtmpException("flv", "FLV: " + message);
    }
}
