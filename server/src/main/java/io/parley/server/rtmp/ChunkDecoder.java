package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.collection.IntObjectHashMap;
import java.util.List;

/**
 * Reassembles RTMP chunks into {@link RtmpMessage}s. Handles the protocol control messages that change how later
 * chunks are read (Set Chunk Size, Abort) and the acknowledgement window (Window Ack Size in, Acknowledgement out)
 * itself and passes every other message on.
 *
 * <p>Bounds: a message longer than {@code maxMessageBytes} is refused at its header; at most
 * {@code maxAssembling} chunk streams hold a partial message (each at most {@code maxMessageBytes}, grown as bytes
 * arrive, never allocated from a declared length); at most {@link #MAX_CHUNK_STREAMS} chunk streams are tracked.
 * So a peer can make this decoder hold at most about {@code maxAssembling * maxMessageBytes} plus one chunk.
 * Any violation throws {@link RtmpException} (wrapped by Netty in a DecoderException) and the decoder then
 * discards all further input.
 */
final class ChunkDecoder extends ByteToMessageDecoder {
    static final int MAX_CHUNK_STREAMS = 64;
    static final int DEFAULT_CHUNK_SIZE = 128;
    private static final int EXTENDED = 0xFFFFFF;

    /** What one chunk stream remembers from its previous chunk headers. */
    private static final class ChunkStream {
        int timestamp;
        int delta; // the last timestamp field: an absolute value after fmt 0, a delta after fmt 1/2
        int length;
        int type;
        int streamId;
        boolean extended;
        boolean hasHeader;
        ByteBuf partial;
    }

    private final int maxMessageBytes;
    private final int maxChunkSize;
    private final int maxAssembling;
    private final IntObjectHashMap<ChunkStream> streams = new IntObjectHashMap<>();
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private int assembling;
    private long ackWindow;
    private long received;
    private long lastAck;
    private boolean failed;

    ChunkDecoder(int maxMessageBytes, int maxChunkSize, int maxAssembling, int ackWindow) {
        this.maxMessageBytes = maxMessageBytes;
        this.maxChunkSize = maxChunkSize;
        this.maxAssembling = maxAssembling;
        this.ackWindow = ackWindow;
    }

    int chunkSize() {
        return chunkSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.isReadable()) {
                int start = in.readerIndex();
                if (!decodeChunk(ctx, in, out)) {
                    in.readerIndex(start);
                    return;
                }
                received += in.readerIndex() - start;
            }
        } catch (RtmpException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            releasePartials();
            throw e;
        } finally {
            maybeAck(ctx);
        }
    }

    /** Reads one whole chunk, or returns false (having changed nothing) when it has not fully arrived. */
    private boolean decodeChunk(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int b0 = in.readUnsignedByte();
        int fmt = b0 >>> 6;
        int csid = b0 & 0x3F;
        if (csid == 0) {
            if (!in.isReadable()) {
                return false;
            }
            csid = 64 + in.readUnsignedByte();
        } else if (csid == 1) {
            if (in.readableBytes() < 2) {
                return false;
            }
            csid = 64 + in.readUnsignedByte() + 256 * in.readUnsignedByte();
        }
        int headerBytes = fmt == 0 ? 11 : fmt == 1 ? 7 : fmt == 2 ? 3 : 0;
        if (in.readableBytes() < headerBytes) {
            return false;
        }
        ChunkStream cs = streams.get(csid);
        if (cs == null && fmt != 0) {
            throw new RtmpException("chunk_header", "chunk stream " + csid + ": fmt " + fmt + " without a previous fmt 0 header");
        }
        int tsField = cs == null ? 0 : cs.delta;
        int length = cs == null ? 0 : cs.length;
        int type = cs == null ? 0 : cs.type;
        int streamId = cs == null ? 0 : cs.streamId;
        boolean extended = cs != null && cs.extended;
        if (fmt <= 2) {
            tsField = in.readUnsignedMedium();
            extended = tsField == EXTENDED;
        }
        if (fmt <= 1) {
            length = in.readUnsignedMedium();
            type = in.readUnsignedByte();
        }
        if (fmt == 0) {
            streamId = in.readIntLE();
        }
        if (extended) {
            if (in.readableBytes() < 4) {
                return false;
            }
            int ext = in.readInt();
            if (fmt <= 2 || cs.partial == null) {
                tsField = ext; // on a continuation chunk the extended field only repeats the message's
            }
        }
        boolean continuation = cs != null && cs.partial != null;
        if (continuation && fmt != 3) {
            throw new RtmpException("chunk_header", "chunk stream " + csid + ": fmt " + fmt
                    + " header while a message is " + cs.partial.readableBytes() + "/" + cs.length + " bytes in");
        }
        if (!continuation && length > maxMessageBytes) {
            throw new RtmpException("message_too_large", "chunk stream " + csid + ": message of " + length
                    + " bytes (expected: <= " + maxMessageBytes + ")");
        }
        int have = continuation ? cs.partial.readableBytes() : 0;
        int size = Math.min(chunkSize, length - have);
        if (in.readableBytes() < size) {
            return false;
        }
        // The whole chunk is here: commit.
        if (cs == null) {
            if (streams.size() >= MAX_CHUNK_STREAMS) {
                throw new RtmpException("chunk_streams", "more than " + MAX_CHUNK_STREAMS + " chunk streams");
            }
            cs = new ChunkStream();
            streams.put(csid, cs);
        }
        if (!continuation) {
            cs.timestamp = fmt == 0 ? tsField : cs.timestamp + tsField;
            cs.delta = tsField;
            cs.length = length;
            cs.type = type;
            cs.streamId = streamId;
            cs.extended = extended;
            cs.hasHeader = true;
        }
        if (length == 0) {
            emit(ctx, cs, csid, ctx.alloc().buffer(0, 0), out);
            return true;
        }
        if (!continuation) {
            if (size == length) { // a single-chunk message: no assembly
                emit(ctx, cs, csid, in.readRetainedSlice(size), out);
                return true;
            }
            if (assembling >= maxAssembling) {
                throw new RtmpException("chunk_streams", "more than " + maxAssembling + " chunk streams assembling at once");
            }
            cs.partial = ctx.alloc().buffer(Math.min(length, 4 * chunkSize), length);
            assembling++;
        }
        cs.partial.writeBytes(in, size);
        if (cs.partial.readableBytes() == length) {
            ByteBuf whole = cs.partial;
            cs.partial = null;
            assembling--;
            emit(ctx, cs, csid, whole, out);
        }
        return true;
    }

    private void emit(ChannelHandlerContext ctx, ChunkStream cs, int csid, ByteBuf payload, List<Object> out) {
        switch (cs.type) {
            case RtmpMessage.SET_CHUNK_SIZE -> {
                try {
                    if (payload.readableBytes() < 4) {
                        throw new RtmpException("chunk_size", "Set Chunk Size: " + payload.readableBytes() + " bytes (expected: 4)");
                    }
                    long size = payload.readUnsignedInt();
                    if (size < 1 || size > maxChunkSize) {
                        throw new RtmpException("chunk_size", "Set Chunk Size: " + size + " (expected: 1.." + maxChunkSize + ")");
                    }
                    chunkSize = (int) size;
                } finally {
                    payload.release();
                }
            }
            case RtmpMessage.ABORT -> {
                try {
                    if (payload.readableBytes() >= 4) {
                        ChunkStream aborted = streams.get(payload.readInt());
                        if (aborted != null && aborted.partial != null) {
                            aborted.partial.release();
                            aborted.partial = null;
                            assembling--;
                        }
                    }
                } finally {
                    payload.release();
                }
            }
            case RtmpMessage.WINDOW_ACK_SIZE -> {
                if (payload.readableBytes() >= 4) {
                    long w = payload.getUnsignedInt(payload.readerIndex());
                    ackWindow = w == 0 ? ackWindow : w;
                }
                out.add(new RtmpMessage(csid, cs.type, cs.timestamp, cs.streamId, payload));
            }
            default -> out.add(new RtmpMessage(csid, cs.type, cs.timestamp, cs.streamId, payload));
        }
    }

    private void maybeAck(ChannelHandlerContext ctx) {
        if (ackWindow > 0 && received - lastAck >= ackWindow && ctx.channel().isActive() && !failed) {
            lastAck = received;
            ctx.writeAndFlush(RtmpMessages.ack((int) received));
        }
    }

    private void releasePartials() {
        for (ChunkStream cs : streams.values()) {
            if (cs.partial != null) {
                cs.partial.release();
                cs.partial = null;
            }
        }
        assembling = 0;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releasePartials();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releasePartials();
        super.channelInactive(ctx);
    }
}
