package io.parley.server.sfu;

/**
 * A Producer's or Consumer's running totals at one instant, taken on its media loop at its quality turn: a copy of a
 * few fields, no arithmetic. Two consecutive samples make a {@link MediaQuality}, computed by whoever reads the
 * event (a room, on its own loop), so the forwarding loop does not do it.
 *
 * @param fractionLost the player's last reported fraction lost (RFC 3550, 0..255), or -1 for a Producer, whose loss
 *                     rate is computed from the period's counts
 * @param rttMillis    -1 when unknown (always for a Producer)
 */
public record QualitySample(long nanos, long packets, long bytes, long lost, int fractionLost, double jitterMillis,
                            double rttMillis) {
    /** Nothing yet, at {@code nanos} (an endpoint's first packet starts its first period). */
    static QualitySample start(long nanos) {
        return new QualitySample(nanos, 0, 0, 0, -1, 0, -1);
    }

    /** The period from {@code earlier} to this sample. */
    public MediaQuality since(QualitySample earlier) {
        double periodSeconds = Math.max(1, nanos - earlier.nanos) / 1e9;
        long p = packets - earlier.packets;
        long b = bytes - earlier.bytes;
        long l = Math.max(0, lost - earlier.lost);
        double rate = fractionLost >= 0 ? fractionLost / 256.0 : p + l == 0 ? 0 : (double) l / (p + l);
        return new MediaQuality(b * 8 / periodSeconds / 1000.0, p, l, rate, jitterMillis, rttMillis);
    }
}
