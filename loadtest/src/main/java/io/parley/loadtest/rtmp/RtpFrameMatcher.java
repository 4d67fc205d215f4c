package io.parley.loadtest.rtmp;

/**
 * Matches the RTP packets of an AAC→Opus transcoded stream to the RTMP frames they carry, for one player. The server
 * maps RTMP time to RTP time with a random offset, so the publisher makes one forward timestamp jump (at frame
 * {@code J}, more than the transcoder's 250 ms resync tolerance) and the transcoder re-anchors there: RTP time
 * {@code A} (unknown) is frame J's first sample, and every later packet's RTP timestamp is {@code A} plus its sample
 * position (48 kHz; 960-sample packets, 1024-sample frames at 48 kHz input).
 *
 * <p>The first packet after the jump is labelled on the old timeline (FFmpeg's libopus wrapper dates a packet by the
 * input 312 samples before it, which still lies before the discontinuity), so the first packet whose timestamp jumps
 * is the anchor's second: {@code A = R - 960}. The anchor's own packet is not matched. Not thread-safe.
 */
public final class RtpFrameMatcher {
    static final int PACKET = 960;

    private long prev = -1;
    private long anchor = -1;
    private long jumpIndex;

    /**
     * The index of the frame whose first sample this packet is the first to carry, or -1 (before the jump is seen, or a
     * packet that starts no frame).
     *
     * @param rtpTimestamp the packet's RTP timestamp (low 32 bits used)
     * @param jumpIndex    the frame at which the publisher jumped, or -1 while it has not
     */
    public long onPacket(long rtpTimestamp, long jumpIndex) {
        long r = rtpTimestamp & 0xFFFFFFFFL;
        long p = prev;
        prev = r;
        if (anchor < 0) {
            if (jumpIndex < 0 || p < 0) {
                return -1;
            }
            long dt = (r - p) & 0xFFFFFFFFL;
            if (dt <= 2 * PACKET || dt >= 1L << 31) {
                return -1;
            }
            anchor = (r - PACKET) & 0xFFFFFFFFL;
            this.jumpIndex = jumpIndex;
        }
        long pos = (r - anchor) & 0xFFFFFFFFL; // samples since frame J's first
        long k = (pos + AacClip.FRAME_SAMPLES - 1) / AacClip.FRAME_SAMPLES; // the first frame starting at or after pos
        return k * AacClip.FRAME_SAMPLES < pos + PACKET ? this.jumpIndex + k : -1;
    }

    /** True once the jump has been seen and packets are being matched. */
    public boolean synced() {
        return anchor >= 0;
    }
}
