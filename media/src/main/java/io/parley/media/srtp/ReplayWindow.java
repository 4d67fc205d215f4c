package io.parley.media.srtp;

/**
 * A sliding replay window over packet indices (RFC 3711 §3.3.2): a ring of bits below the
 * highest authenticated index. Check before authenticating, {@link #accept} only after, so a
 * forged packet can never move the window.
 */
final class ReplayWindow {
    private final long[] bits;
    private final int size;
    private long highest = -1;

    /** @param size window length in packets, a multiple of 64 */
    ReplayWindow(int size) {
        if (size <= 0 || size % 64 != 0) {
            throw new IllegalArgumentException("replay window: " + size + " (expected: a positive multiple of 64)");
        }
        this.size = size;
        this.bits = new long[size / 64];
    }

    /** The highest accepted index, or -1 before the first packet. */
    long highest() {
        return highest;
    }

    boolean isReplay(long index) {
        if (index > highest) {
            return false;
        }
        if (highest - index >= size) {
            return true; // too old to tell, so treated as a replay
        }
        int bit = (int) (index % size);
        return (bits[bit >>> 6] & (1L << bit)) != 0;
    }

    void accept(long index) {
        if (index > highest) {
            if (index - highest >= size) {
                java.util.Arrays.fill(bits, 0L);
            } else {
                for (long i = highest + 1; i < index; i++) {
                    int bit = (int) (i % size);
                    bits[bit >>> 6] &= ~(1L << bit);
                }
            }
            highest = index;
        }
        int bit = (int) (index % size);
        bits[bit >>> 6] |= 1L << bit;
    }
}
