package io.parley.protocol.media;

/**
 * NTP timestamps as RTCP uses them (RFC 3550 4): 64-bit fixed point seconds since 1900, and the
 * "compact" middle 32 bits (16.16 seconds) carried in LSR/DLSR. Pure functions: callers pass the
 * time from their injected clock.
 */
public final class NtpTime {

    /** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
    public static final long EPOCH_OFFSET_SECONDS = 2_208_988_800L;

    private NtpTime() {
    }

    public static long fromUnixMillis(long unixMillis) {
        long seconds = Math.floorDiv(unixMillis, 1000) + EPOCH_OFFSET_SECONDS;
        long fraction = (Math.floorMod(unixMillis, 1000L) << 32) / 1000;
        return seconds << 32 | fraction;
    }

    public static long toUnixMillis(long ntp) {
        long seconds = (ntp >>> 32) - EPOCH_OFFSET_SECONDS;
        long fraction = ((ntp & 0xFFFFFFFFL) * 1000 + (1L << 31)) >>> 32;
        return seconds * 1000 + fraction;
    }

    /** The middle 32 bits of a 64-bit NTP time: what LSR holds. */
    public static long compact(long ntp) {
        return (ntp >>> 16) & 0xFFFFFFFFL;
    }

    /** A duration in milliseconds as compact NTP units (1/65536 s): what DLSR holds. */
    public static long compactFromMillis(long millis) {
        return (millis * 65536 / 1000) & 0xFFFFFFFFL;
    }

    public static long compactToMillis(long compact) {
        return (compact & 0xFFFFFFFFL) * 1000 / 65536;
    }

    /**
     * Round-trip time from a report block (RFC 3550 6.4.1): {@code now - LSR - DLSR}, modulo 2^32.
     *
     * @param nowCompact compact NTP time when the report arrived
     * @return the RTT in milliseconds, or -1 when the block has no LSR yet or the result is negative
     *         (clocks moved, or a stale or forged report)
     */
    public static long rttMillis(long nowCompact, long lastSr, long delaySinceLastSr) {
        if (lastSr == 0) {
            return -1;
        }
        int rtt = (int) (nowCompact - lastSr - delaySinceLastSr);
        return rtt < 0 ? -1 : compactToMillis(rtt);
    }
}
