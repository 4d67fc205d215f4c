package io.parley.server.sfu;

/**
 * Which NACKed packets one player gets again. A NACK costs the player one small RTCP packet and can name thousands of
 * sequence numbers (repeated ones too), so answering each blindly amplifies: each packet is resent at most once per
 * RTT-ish interval and at most {@code maxResends} times, and the bytes resent per second stay within a token bucket
 * refilled at a rate the caller ties to the stream's bitrate (one second's worth of burst). Media loop only.
 */
final class RetransmitLimiter {
    /** Below this a resend is certainly a duplicate of one still in flight, whatever the measured RTT says. */
    static final long MIN_INTERVAL_NANOS = 10_000_000L;
    /** Before the first receiver report tells the RTT. */
    static final long DEFAULT_INTERVAL_NANOS = 50_000_000L;
    static final long MAX_INTERVAL_NANOS = 1_000_000_000L;
    /** Budget floor (bytes per second), so a stream whose bitrate is not measured yet can still be repaired. */
    static final double MIN_BUDGET_BYTES_PER_SECOND = 4_000;

    private final int[] seqs = new int[RetransmissionCache.SIZE];
    private final long[] lastNanos = new long[RetransmissionCache.SIZE];
    private final byte[] counts = new byte[RetransmissionCache.SIZE];
    private double tokens = -1;
    private long refilledNanos;

    RetransmitLimiter() {
        java.util.Arrays.fill(seqs, -1);
    }

    /** The minimum time between two resends of one packet, from the player's RTT in ms (negative: unknown). */
    static long intervalNanos(double rttMillis) {
        if (rttMillis < 0) {
            return DEFAULT_INTERVAL_NANOS;
        }
        long n = (long) (rttMillis * 750_000); // 3/4 of the RTT: a re-NACK after one RTT is a real second loss
        return Math.max(MIN_INTERVAL_NANOS, Math.min(MAX_INTERVAL_NANOS, n));
    }

    /**
     * Whether packet {@code seq} ({@code bytes} long) may be resent now; null if yes (and it is counted as resent),
     * else why not.
     */
    RetransmitRefusal admit(int seq, int bytes, long nowNanos, long intervalNanos, int maxResends, double bytesPerSecond) {
        refill(nowNanos, bytesPerSecond);
        int i = seq & (RetransmissionCache.SIZE - 1);
        if (seqs[i] != seq) {
            seqs[i] = seq;
            counts[i] = 0;
        } else if (nowNanos - lastNanos[i] < intervalNanos) {
            return RetransmitRefusal.TOO_SOON;
        }
        if (counts[i] >= maxResends) {
            return RetransmitRefusal.PACKET_LIMIT;
        }
        if (tokens < bytes) {
            return RetransmitRefusal.BUDGET;
        }
        tokens -= bytes;
        counts[i]++;
        lastNanos[i] = nowNanos;
        return null;
    }

    private void refill(long nowNanos, double bytesPerSecond) {
        if (tokens < 0) {
            tokens = bytesPerSecond; // a fresh player may repair at once
        } else {
            tokens = Math.min(bytesPerSecond, tokens + (nowNanos - refilledNanos) * bytesPerSecond / 1e9);
        }
        refilledNanos = nowNanos;
    }
}
