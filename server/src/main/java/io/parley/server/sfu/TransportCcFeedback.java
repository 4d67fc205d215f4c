package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.RtpPacket;
import java.util.Arrays;

/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01) for one transport
 * whose sender stamps its packets with a transport-wide sequence number: records each packet's arrival in a ring of
 * fixed size (nothing allocated per packet) and writes RTCP transport-cc feedback (RTPFB, FMT=15) covering the
 * sequence numbers not yet reported, so the sender's bandwidth estimator sees arrival times and losses.
 *
 * <p>Each feedback starts at the first sequence number not yet reported and ends at a received packet: it carries at
 * most {@link #MAX_RECEIVED_PER_FEEDBACK} received packets, and ends early where a receive delta would not fit 16 bits
 * (a gap over 8 s); the rest goes in the next one. A packet that arrives after its number was reported lost re-opens
 * the window from there (as libwebrtc's receiver does), so the sender learns it arrived, when it is fewer than
 * {@link #FLUSH_SPAN} behind the highest seen: so no packet, however late, makes the server send more than one feedback.
 * Older ones are ignored. Media loop only.
 */
final class TransportCcFeedback {
    /** Sequence numbers remembered (a power of two): 1024 × 8 bytes per publishing transport. */
    static final int RING = 1024;
    private static final int MASK = RING - 1;
    /** Received packets one feedback reports at most: deltas and chunks stay under ~850 bytes, inside one datagram. */
    static final int MAX_RECEIVED_PER_FEEDBACK = 256;
    /** Unreported numbers that make the caller send feedback at once instead of waiting for its next interval. */
    static final int FLUSH_SPAN = MAX_RECEIVED_PER_FEEDBACK;
    /** The receive delta's unit (draft §3.1.5): 250 µs. */
    static final long DELTA_TICK_NANOS = 250_000L;
    /** The reference time's unit: 64 ms, i.e. 256 delta ticks. */
    static final int TICKS_PER_REFERENCE = 256;
    static final int RTPFB = 205;
    static final int FMT_TRANSPORT_CC = 15;

    private static final long NOT_RECEIVED = Long.MIN_VALUE;
    private static final int SYMBOL_NOT_RECEIVED = 0;
    private static final int SYMBOL_SMALL = 1;
    private static final int SYMBOL_LARGE = 2;
    private static final int ONE_BIT_CAPACITY = 14;
    private static final int TWO_BIT_CAPACITY = 7;
    private static final int MAX_RUN_LENGTH = 0x1FFF;

    private final int extensionId;
    private final long senderSsrc;
    private final RtpPacket view = new RtpPacket();
    /** Arrival time in delta ticks, by unwrapped sequence number modulo {@link #RING}; {@link #NOT_RECEIVED} if none. */
    private final long[] arrivals = new long[RING];
    private boolean started;
    /** The highest sequence number seen, unwrapped (it may go below 0 or past 65535). */
    private long highest;
    /** The first sequence number not yet reported. */
    private long windowStart;
    private long mediaSsrc;
    private int feedbackCount;
    private long tooOld;
    // The chunk being built (one run-length or status-vector chunk), reused.
    private final int[] chunkSymbols = new int[ONE_BIT_CAPACITY];
    private int chunkSize;
    private boolean chunkAllSame;
    private boolean chunkHasLarge;

    /**
     * @param extensionId the publisher's id for the transport-wide sequence number extension (1..255)
     * @param senderSsrc  the server's SSRC toward this publisher, written as the feedback's packet sender
     */
    TransportCcFeedback(int extensionId, long senderSsrc) {
        if (extensionId < 1 || extensionId > 255) {
            throw new IllegalArgumentException("extensionId: " + extensionId + " (expected: 1..255)");
        }
        this.extensionId = extensionId;
        this.senderSsrc = senderSsrc;
        Arrays.fill(arrivals, NOT_RECEIVED);
    }

    long senderSsrc() {
        return senderSsrc;
    }

    int extensionId() {
        return extensionId;
    }

    /** Packets ignored because they came too late to be reported again (tests). */
    long tooOld() {
        return tooOld;
    }

    /**
     * Records the arrival of a decrypted RTP packet; a packet without the extension is ignored.
     *
     * @return true when enough is unreported that feedback should be sent now rather than at the next interval
     */
    boolean onRtp(ByteBuf plaintext, long nowNanos) {
        if (view.wrap(plaintext) != RtpPacket.Status.OK) {
            return false;
        }
        int at = view.extensionOffset(extensionId);
        if (at < 0 || view.extensionLength(extensionId) != 2) {
            return false;
        }
        mediaSsrc = view.ssrc();
        return onPacket(plaintext.getUnsignedShort(view.offset() + at), nowNanos);
    }

    /** Records that transport-wide sequence number {@code seq} (16 bits) arrived at {@code nowNanos}. */
    boolean onPacket(int seq, long nowNanos) {
        long ticks = Math.floorDiv(nowNanos, DELTA_TICK_NANOS);
        if (!started) {
            started = true;
            highest = seq;
            windowStart = seq;
            arrivals[seq & MASK] = ticks;
            return false;
        }
        long u = highest + (short) (seq - (int) (highest & 0xFFFF));
        if (u > highest) {
            for (long s = Math.max(highest + 1, u - RING + 1); s < u; s++) {
                arrivals[(int) (s & MASK)] = NOT_RECEIVED;
            }
            highest = u;
            arrivals[(int) (u & MASK)] = ticks;
            if (windowStart <= u - RING) {
                windowStart = u - RING + 1; // a jump past the ring: what lay before it can no longer be reported
            }
        } else {
            if (u < windowStart && highest - u >= FLUSH_SPAN) {
                tooOld++;
                return false;
            }
            int slot = (int) (u & MASK);
            if (arrivals[slot] != NOT_RECEIVED) {
                return false; // a duplicate keeps its first arrival
            }
            arrivals[slot] = ticks;
            if (u < windowStart) {
                windowStart = u;
            }
        }
        return highest - windowStart + 1 >= FLUSH_SPAN;
    }

    /** Whether there are numbers not yet reported. */
    boolean pending() {
        return started && windowStart <= highest;
    }

    /**
     * Writes one feedback packet (RTPFB FMT=15, padded to 32 bits) for the oldest unreported numbers into {@code out}
     * and marks them reported; call again while it returns true to drain everything pending.
     *
     * @return false, writing nothing, when nothing is pending
     */
    boolean write(ByteBuf out) {
        if (!pending()) {
            return false;
        }
        // Pass 1: where this feedback ends and its reference time.
        long reference = 0;
        long previous = 0;
        int received = 0;
        long end = windowStart - 1;
        for (long s = windowStart; s <= highest; s++) {
            long t = arrivals[(int) (s & MASK)];
            if (t == NOT_RECEIVED) {
                continue;
            }
            if (received == 0) {
                reference = Math.floorDiv(t, TICKS_PER_REFERENCE);
                previous = reference * TICKS_PER_REFERENCE;
            }
            long delta = t - previous;
            if (received == MAX_RECEIVED_PER_FEEDBACK || delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
                break;
            }
            received++;
            previous = t;
            end = s;
        }
        int count = (int) (end - windowStart + 1);
        int start = out.writerIndex();
        out.writeByte(0x80 | FMT_TRANSPORT_CC);
        out.writeByte(RTPFB);
        out.writeShort(0); // length, set below
        out.writeInt((int) senderSsrc);
        out.writeInt((int) mediaSsrc);
        out.writeShort((int) (windowStart & 0xFFFF));
        out.writeShort(count);
        out.writeMedium((int) (reference & 0xFFFFFF));
        out.writeByte(feedbackCount);
        feedbackCount = (feedbackCount + 1) & 0xFF;
        // Pass 2: packet status chunks.
        long base = reference * TICKS_PER_REFERENCE;
        chunkClear();
        previous = base;
        for (long s = windowStart; s <= end; s++) {
            long t = arrivals[(int) (s & MASK)];
            int symbol;
            if (t == NOT_RECEIVED) {
                symbol = SYMBOL_NOT_RECEIVED;
            } else {
                long delta = t - previous;
                symbol = delta >= 0 && delta <= 0xFF ? SYMBOL_SMALL : SYMBOL_LARGE;
                previous = t;
            }
            if (!chunkCanAdd(symbol)) {
                out.writeShort(chunkEmit());
            }
            chunkAdd(symbol);
        }
        out.writeShort(chunkEmitLast());
        // Pass 3: receive deltas.
        previous = base;
        for (long s = windowStart; s <= end; s++) {
            long t = arrivals[(int) (s & MASK)];
            if (t == NOT_RECEIVED) {
                continue;
            }
            long delta = t - previous;
            previous = t;
            if (delta >= 0 && delta <= 0xFF) {
                out.writeByte((int) delta);
            } else {
                out.writeShort((int) delta);
            }
        }
        while (((out.writerIndex() - start) & 3) != 0) {
            out.writeByte(0); // zero padding (draft §3.1)
        }
        out.setShort(start + 2, (out.writerIndex() - start) / 4 - 1);
        windowStart = end + 1;
        return true;
    }

    // ---- one packet chunk: a run of one symbol, or a vector of 14 one-bit or 7 two-bit symbols ----

    private void chunkClear() {
        chunkSize = 0;
        chunkAllSame = true;
        chunkHasLarge = false;
    }

    private boolean chunkCanAdd(int symbol) {
        if (chunkSize < TWO_BIT_CAPACITY) {
            return true;
        }
        if (chunkSize < ONE_BIT_CAPACITY && !chunkHasLarge && symbol != SYMBOL_LARGE) {
            return true;
        }
        return chunkAllSame && symbol == chunkSymbols[0] && chunkSize < MAX_RUN_LENGTH;
    }

    private void chunkAdd(int symbol) {
        if (chunkSize < ONE_BIT_CAPACITY) {
            chunkSymbols[chunkSize] = symbol;
        }
        chunkAllSame &= chunkSize == 0 || symbol == chunkSymbols[0];
        chunkHasLarge |= symbol == SYMBOL_LARGE;
        chunkSize++;
    }

    /** Encodes what the chunk holds when the next symbol does not fit; may keep symbols for the next chunk. */
    private int chunkEmit() {
        if (chunkAllSame) {
            int chunk = runLength();
            chunkClear();
            return chunk;
        }
        if (chunkSize == ONE_BIT_CAPACITY) {
            int chunk = oneBitVector();
            chunkClear();
            return chunk;
        }
        // Seven two-bit symbols go out; the rest (a large delta forced the two-bit form) start the next chunk.
        int chunk = twoBitVector(TWO_BIT_CAPACITY);
        int left = chunkSize - TWO_BIT_CAPACITY;
        System.arraycopy(chunkSymbols, TWO_BIT_CAPACITY, chunkSymbols, 0, left);
        chunkClear();
        for (int i = 0; i < left; i++) {
            chunkAdd(chunkSymbols[i]);
        }
        return chunk;
    }

    /** Encodes the last chunk of a feedback (the status count tells the reader where it ends). */
    private int chunkEmitLast() {
        if (chunkAllSame) {
            return runLength();
        }
        if (chunkSize <= TWO_BIT_CAPACITY) {
            return twoBitVector(chunkSize);
        }
        return oneBitVector();
    }

    /** T=0, S (2 bits), run length (13 bits). */
    private int runLength() {
        return chunkSymbols[0] << 13 | chunkSize;
    }

    /** T=1, S=0, fourteen symbols of one bit (0 not received, 1 small delta), first symbol highest. */
    private int oneBitVector() {
        int chunk = 0x8000;
        for (int i = 0; i < chunkSize; i++) {
            chunk |= chunkSymbols[i] << (ONE_BIT_CAPACITY - 1 - i);
        }
        return chunk;
    }

    /** T=1, S=1, seven symbols of two bits, first symbol highest. */
    private int twoBitVector(int n) {
        int chunk = 0xC000;
        for (int i = 0; i < n; i++) {
            chunk |= chunkSymbols[i] << (2 * (TWO_BIT_CAPACITY - 1 - i));
        }
        return chunk;
    }
}
