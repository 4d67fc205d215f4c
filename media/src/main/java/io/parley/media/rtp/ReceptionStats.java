package io.parley.media.rtp;

import io.parley.protocol.media.NtpTime;
import io.parley.protocol.media.RtcpPacket;

/**
 * Reception statistics of one RTP source, as RFC 3550 appendix A.1, A.3 and A.8 compute them: extended
 * highest sequence number, expected and lost packets, the loss fraction per report interval and the
 * interarrival jitter. Used by the client's players and the server's Producers. Written on one event loop only; the
 * volatile fields may be read anywhere.
 */
public final class ReceptionStats {
    private final int clockRate;

    private boolean started;
    private int baseSeq;
    private int maxSeq;
    private int cycles;
    private volatile long received;
    private volatile long bytes;
    private long expectedPrior;
    private long receivedPrior;
    private double transit;
    private volatile double jitter; // in RTP timestamp units
    private long lastSrCompact;
    private long lastSrArrivalNanos;
    private volatile long senderReports;

    public ReceptionStats(int clockRate) {
        this.clockRate = clockRate;
    }

    public void onPacket(int seq, long rtpTimestamp, int payloadBytes, long arrivalNanos) {
        if (!started) {
            started = true;
            baseSeq = seq;
            maxSeq = seq;
        } else {
            int delta = (seq - maxSeq) & 0xFFFF;
            if (delta != 0 && delta < 0x8000) { // in order, possibly with a gap
                if (seq < maxSeq) {
                    cycles += 0x10000;
                }
                maxSeq = seq;
            }
            // older (reordered, duplicated or retransmitted) packets count as received, as A.1 does
        }
        received++;
        bytes += payloadBytes;
        double arrival = arrivalNanos * (clockRate / 1e9);
        double t = arrival - rtpTimestamp;
        if (received > 1) {
            double d = Math.abs(t - transit);
            jitter += (d - jitter) / 16;
        }
        transit = t;
    }

    public void onSenderReport(long ntpTime, long arrivalNanos) {
        lastSrCompact = NtpTime.compact(ntpTime);
        lastSrArrivalNanos = arrivalNanos;
        senderReports++;
    }

    /** A report block for {@code ssrc}, and starts the next loss-fraction interval; null before any packet. */
    public RtcpPacket.ReportBlock reportBlock(long ssrc, long nowNanos) {
        if (!started) {
            return null;
        }
        long expected = expected();
        long lost = expected - received;
        long expectedInterval = expected - expectedPrior;
        long receivedInterval = received - receivedPrior;
        expectedPrior = expected;
        receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        int fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : (int) ((lostInterval << 8) / expectedInterval);
        int cumulative = (int) Math.max(-0x800000, Math.min(0x7FFFFF, lost));
        long dlsr = lastSrCompact == 0 ? 0
                : NtpTime.compactFromMillis((nowNanos - lastSrArrivalNanos) / 1_000_000L);
        return new RtcpPacket.ReportBlock(ssrc, Math.min(fraction, 255), cumulative, extendedHighest(),
                (long) jitter, lastSrCompact, dlsr);
    }

    public long extendedHighest() {
        return ((long) cycles + maxSeq) & 0xFFFFFFFFL;
    }

    public long expected() {
        return started ? (long) cycles + maxSeq - baseSeq + 1 : 0;
    }

    public long received() {
        return received;
    }

    public long lost() {
        return Math.max(0, expected() - received);
    }

    public long bytes() {
        return bytes;
    }

    public double jitterMillis() {
        return jitter * 1000.0 / clockRate;
    }

    public long senderReports() {
        return senderReports;
    }
}
