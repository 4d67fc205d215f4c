package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Cuts {@link RtmpMessage}s into chunks: a fmt 0 header on the first chunk, fmt 3 on the rest (with the extended
 * timestamp repeated, as the spec asks). A Set Chunk Size passing through changes the size for later messages.
 */
final class ChunkEncoder extends MessageToByteEncoder<RtmpMessage> {
    private static final int EXTENDED = 0xFFFFFF;
    private int chunkSize = ChunkDecoder.DEFAULT_CHUNK_SIZE;

    ChunkEncoder() {
        super(RtmpMessage.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, RtmpMessage msg, boolean preferDirect) {
        int len = msg.content().readableBytes();
        int chunks = Math.max(1, (len + chunkSize - 1) / chunkSize);
        return ctx.alloc().ioBuffer(len + 18 + chunks * 7);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, RtmpMessage msg, ByteBuf out) {
        ByteBuf payload = msg.content();
        int len = payload.readableBytes();
        int ts = msg.timestamp();
        boolean extended = Integer.compareUnsigned(ts, EXTENDED) >= 0;
        basicHeader(out, 0, msg.csid());
        out.writeMedium(extended ? EXTENDED : ts).writeMedium(len).writeByte(msg.type()).writeIntLE(msg.streamId());
        if (extended) {
            out.writeInt(ts);
        }
        int at = payload.readerIndex();
        int left = len;
        boolean first = true;
        while (first || left > 0) {
            if (!first) {
                basicHeader(out, 3, msg.csid());
                if (extended) {
                    out.writeInt(ts);
                }
            }
            int n = Math.min(chunkSize, left);
            out.writeBytes(payload, at, n);
            at += n;
            left -= n;
            first = false;
        }
        if (msg.type() == RtmpMessage.SET_CHUNK_SIZE && len >= 4) {
            chunkSize = payload.getInt(payload.readerIndex()) & 0x7FFFFFFF;
        }
    }

    static void basicHeader(ByteBuf out, int fmt, int csid) {
        if (csid >= 2 && csid <= 63) {
            out.writeByte(fmt << 6 | csid);
        } else if (csid >= 64 && csid <= 319) {
            out.writeByte(fmt << 6).writeByte(csid - 64);
        } else if (csid >= 320 && csid <= 65599) {
            out.writeByte(fmt << 6 | 1).writeByte((csid - 64) & 0xFF).writeByte((csid - 64) >>> 8);
        } else {
            throw new IllegalArgumentException("chunk stream id: " + csid + " (expected: 2..65599)");
        }
    }
}
