package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The last {@link #SIZE} plaintext RTP packets of a Producer, indexed by sequence number, for answering
 * players' NACKs. Media loop only. About 1 s of audio at 50 packets/s is plenty: a NACK comes within an RTT.
 */
final class RetransmissionCache {
    static final int SIZE = 128; // power of two
    private final ByteBuf[] packets = new ByteBuf[SIZE];
    private final int[] seqs = new int[SIZE];

    void put(ByteBufAllocator alloc, int seq, ByteBuf packet) {
        int i = seq & (SIZE - 1);
        ByteBuf old = packets[i];
        if (old != null) {
            old.release();
        }
        ByteBuf copy = alloc.buffer(packet.readableBytes());
        copy.writeBytes(packet, packet.readerIndex(), packet.readableBytes());
        packets[i] = copy;
        seqs[i] = seq;
    }

    /** The packet with this sequence number, or null; the cache keeps ownership. */
    ByteBuf get(int seq) {
        int i = seq & (SIZE - 1);
        ByteBuf b = packets[i];
        return b != null && seqs[i] == seq ? b : null;
    }

    void clear() {
        for (int i = 0; i < SIZE; i++) {
            if (packets[i] != null) {
                packets[i].release();
                packets[i] = null;
            }
        }
    }
}
