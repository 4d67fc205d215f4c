package io.parley.server.media;

/**
 * RFC 3550 Appendix A.1/A.3/A.8 receiver statistics of one RTP source: extended highest sequence number,
 * loss and interarrival jitter. Media loop only.
 */
final class ReceiveStats {
    private static final int MAX_DROPOUT = 3000;
    private static final int MAX_MISORDER = 100;

    private final int clockRate;
    private boolean started;
    private int maxSeq;
    private long cycles;
    private long baseSeq;
    long received;
    long bytes;
    private double jitter; // in timestamp units
    private long lastTransit;
    private boolean haveTransit;

    // Interval bookkeeping for receiver reports and quality updates.
    private long expectedPriorRr;
    private long receivedPriorRr;
    private long expectedPriorQ;
    private long receivedPriorQ;
    private long bytesPriorQ;

    ReceiveStats(int clockRate) {
        this.clockRate = clockRate;
    }

    /** Records one packet: its sequence number, RTP timestamp, arrival time and size. */
    void onPacket(int seq, long rtpTimestamp, long arrivalNanos, int size) {
        if (!started) {
            started = true;
            baseSeq = seq;
            maxSeq = seq;
        } else {
            int delta = (seq - maxSeq) & 0xFFFF;
            if (delta < MAX_DROPOUT) {
                if (seq < maxSeq) {
                    cycles += 1 << 16;
                }
                maxSeq = seq;
            } else if (delta <= (1 << 16) - MAX_MISORDER) {
                // A big jump: treat as a restart of the sequence (the source was reset).
                baseSeq = seq;
                maxSeq = seq;
                cycles = 0;
                received = 0;
                expectedPriorRr = receivedPriorRr = expectedPriorQ = receivedPriorQ = 0;
            }
        }
        received++;
        bytes += size;
        long arrival = arrivalNanos * clockRate / 1_000_000_000L;
        long transit = arrival - rtpTimestamp;
        if (haveTransit) {
            long d = Math.abs(transit - lastTransit);
            jitter += (d - jitter) / 16.0;
        }
        lastTransit = transit;
        haveTransit = true;
    }

    boolean started() {
        return started;
    }

    long extendedHighest() {
        return cycles + maxSeq;
    }

    long expected() {
        return started ? extendedHighest() - baseSeq + 1 : 0;
    }

    long cumulativeLost() {
        return Math.max(0, expected() - received);
    }

    long jitterUnits() {
        return (long) jitter;
    }

    double jitterMillis() {
        return jitter * 1000.0 / clockRate;
    }

    /** Fraction lost since the last receiver report, in 1/256 (RFC 3550 A.3). */
    int fractionLostForReport() {
        long expected = expected();
        long expectedInterval = expected - expectedPriorRr;
        long receivedInterval = received - receivedPriorRr;
        expectedPriorRr = expected;
        receivedPriorRr = received;
        long lostInterval = expectedInterval - receivedInterval;
        if (expectedInterval <= 0 || lostInterval <= 0) {
            return 0;
        }
        return (int) Math.min(255, (lostInterval << 8) / expectedInterval);
    }

    /** packets, lost, bytes since the last quality period. */
    long[] qualityPeriod() {
        long expected = expected();
        long packets = received - receivedPriorQ;
        long lost = Math.max(0, (expected - expectedPriorQ) - packets);
        long b = bytes - bytesPriorQ;
        expectedPriorQ = expected;
        receivedPriorQ = received;
        bytesPriorQ = bytes;
        return new long[] {packets, lost, b};
    }
}
