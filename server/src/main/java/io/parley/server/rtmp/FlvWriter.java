package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** FLV file-format bytes (FLV spec v10, Annex E): the header and tags with their PreviousTagSize trailers. */
final class FlvWriter {
    static final int HEADER_BYTES = 9;
    static final int TAG_HEADER_BYTES = 11;

    private FlvWriter() {}

    /** "FLV", version 1, flags (4 = audio, 1 = video), header size 9, then PreviousTagSize0 = 0. */
    static ByteBuf header(ByteBufAllocator alloc, boolean audio, boolean video) {
        ByteBuf b = alloc.buffer(HEADER_BYTES + 4);
        b.writeByte('F').writeByte('L').writeByte('V').writeByte(1);
        b.writeByte((audio ? 4 : 0) | (video ? 1 : 0));
        b.writeInt(HEADER_BYTES);
        b.writeInt(0);
        return b;
    }

    /** One tag: type, data size, timestamp (24 low bits + 8 high bits), stream id 0, body, PreviousTagSize. */
    static ByteBuf tag(ByteBufAllocator alloc, int type, int timestamp, ByteBuf body) {
        int size = body.readableBytes();
        ByteBuf b = alloc.buffer(TAG_HEADER_BYTES + size + 4);
        b.writeByte(type);
        b.writeMedium(size);
        b.writeMedium(timestamp & 0xFFFFFF);
        b.writeByte(timestamp >>> 24);
        b.writeMedium(0);
        b.writeBytes(body, body.readerIndex(), size);
        b.writeInt(TAG_HEADER_BYTES + size);
        return b;
    }
}
