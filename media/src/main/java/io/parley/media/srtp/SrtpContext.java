package io.parley.media.srtp;

import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * SRTP/SRTCP state of one SSRC in one direction: rollover counter, replay windows and the SRTCP
 * index, over the keyed transform of its session direction. Packets are the readable bytes of a
 * {@link ByteBuf} and are rewritten in place: protect appends the trailer (callers leave ~20
 * bytes of spare capacity to avoid a reallocation), unprotect strips it. A buffer that fans out
 * to several readers (retained duplicates) must be copied before protect.
 *
 * <p>Not thread-safe: confine a context (and its session direction) to one thread at a time.
 */
public final class SrtpContext {
    /** RTP reorders more than RTCP (NACK retransmissions, multipath): same size WebRTC uses. */
    static final int RTP_REPLAY_WINDOW = 1024;
    static final int RTCP_REPLAY_WINDOW = 128;

    private static final int RTP_HEADER = 12;
    private static final int RTCP_HEADER = 8;
    private static final int SRTCP_INDEX = 4;

    private final SrtpTransform transform;
    private final ReplayWindow rtpReceived = new ReplayWindow(RTP_REPLAY_WINDOW);
    private final ReplayWindow rtcpReceived = new ReplayWindow(RTCP_REPLAY_WINDOW);
    private long highestSent = -1;
    private int srtcpSent;

    SrtpContext(SrtpTransform transform) {
        this.transform = transform;
    }

    /** A standalone context with its own derived keys; sessions share one transform instead. */
    public static SrtpContext create(SrtpProfile profile, byte[] masterKey, byte[] masterSalt) {
        Objects.requireNonNull(profile, "profile");
        if (masterKey.length != profile.keyLength() || masterSalt.length != profile.saltLength()) {
            throw new IllegalArgumentException("master key/salt: " + masterKey.length + "/" + masterSalt.length
                    + " bytes (expected: " + profile.keyLength() + "/" + profile.saltLength() + " for " + profile + ")");
        }
        return new SrtpContext(SrtpTransform.create(profile, masterKey, masterSalt));
    }

    public SrtpProfile profile() {
        return transform.profile();
    }

    public SrtpStatus protectRtp(ByteBuf buf) {
        int r = buf.readerIndex();
        int len = buf.readableBytes();
        int hdr = rtpHeaderLength(buf, r, len);
        if (hdr < 0) {
            return hdr == -1 ? SrtpStatus.TOO_SHORT : SrtpStatus.MALFORMED;
        }
        int ssrc = buf.getInt(r + 8);
        long index = estimateIndex(highestSent, buf.getUnsignedShort(r + 2));
        if (index < 0) {
            index = buf.getUnsignedShort(r + 2); // a jump back past ROC 0: keep ROC 0 rather than fail
        }
        int tag = transform.profile().tagLength();
        buf.ensureWritable(tag);
        boolean ok;
        if (buf.hasArray()) {
            ok = transform.protectRtp(buf.array(), buf.arrayOffset() + r, hdr, len, ssrc, index);
        } else {
            byte[] s = transform.scratch(len + tag);
            buf.getBytes(r, s, 0, len);
            ok = transform.protectRtp(s, 0, hdr, len, ssrc, index);
            if (ok) {
                buf.setBytes(r + hdr, s, hdr, len - hdr + tag);
            }
        }
        if (!ok) {
            return SrtpStatus.REPLAYED;
        }
        buf.writerIndex(r + len + tag);
        if (index > highestSent) {
            highestSent = index;
        }
        return SrtpStatus.OK;
    }

    public SrtpStatus unprotectRtp(ByteBuf buf) {
        int r = buf.readerIndex();
        int len = buf.readableBytes();
        int tag = transform.profile().tagLength();
        int hdr = rtpHeaderLength(buf, r, len);
        if (hdr < 0) {
            return hdr == -1 ? SrtpStatus.TOO_SHORT : SrtpStatus.MALFORMED;
        }
        if (len < hdr + tag) {
            return SrtpStatus.TOO_SHORT;
        }
        int ssrc = buf.getInt(r + 8);
        long index = estimateIndex(rtpReceived.highest(), buf.getUnsignedShort(r + 2));
        if (index < 0 || rtpReceived.isReplay(index)) {
            return SrtpStatus.REPLAYED;
        }
        boolean ok;
        if (buf.hasArray()) {
            ok = transform.unprotectRtp(buf.array(), buf.arrayOffset() + r, hdr, len, ssrc, index);
        } else {
            byte[] s = transform.scratch(len);
            buf.getBytes(r, s, 0, len);
            ok = transform.unprotectRtp(s, 0, hdr, len, ssrc, index);
            if (ok) {
                buf.setBytes(r + hdr, s, hdr, len - hdr - tag);
            }
        }
        if (!ok) {
            return SrtpStatus.AUTH_FAILED;
        }
        rtpReceived.accept(index);
        buf.writerIndex(r + len - tag);
        return SrtpStatus.OK;
    }

    public SrtpStatus protectRtcp(ByteBuf buf) {
        int r = buf.readerIndex();
        int len = buf.readableBytes();
        if (len < RTCP_HEADER) {
            return SrtpStatus.TOO_SHORT;
        }
        if ((buf.getByte(r) & 0xC0) != 0x80) {
            return SrtpStatus.MALFORMED;
        }
        int ssrc = buf.getInt(r + 4);
        // Incremented before use, so the first index is 1, as libsrtp (and so Chrome) sends.
        int index = (srtcpSent + 1) & 0x7FFFFFFF;
        int overhead = SRTCP_INDEX + transform.profile().tagLength();
        buf.ensureWritable(overhead);
        boolean ok;
        if (buf.hasArray()) {
            ok = transform.protectRtcp(buf.array(), buf.arrayOffset() + r, len, ssrc, index);
        } else {
            byte[] s = transform.scratch(len + overhead);
            buf.getBytes(r, s, 0, len);
            ok = transform.protectRtcp(s, 0, len, ssrc, index);
            if (ok) {
                buf.setBytes(r + RTCP_HEADER, s, RTCP_HEADER, len - RTCP_HEADER + overhead);
            }
        }
        if (!ok) {
            return SrtpStatus.REPLAYED;
        }
        srtcpSent = index;
        buf.writerIndex(r + len + overhead);
        return SrtpStatus.OK;
    }

    public SrtpStatus unprotectRtcp(ByteBuf buf) {
        int r = buf.readerIndex();
        int len = buf.readableBytes();
        int tag = transform.profile().tagLength();
        int overhead = SRTCP_INDEX + tag;
        if (len < RTCP_HEADER + overhead) {
            return SrtpStatus.TOO_SHORT;
        }
        if ((buf.getByte(r) & 0xC0) != 0x80) {
            return SrtpStatus.MALFORMED;
        }
        int ssrc = buf.getInt(r + 4);
        // E||index precedes the tag for AES-CM (RFC 3711 §3.4) and follows it for GCM (RFC 7714 §9).
        int word = buf.getInt(r + (transform.profile().aead() ? len - SRTCP_INDEX : len - overhead));
        boolean encrypted = word < 0;
        int index = word & 0x7FFFFFFF;
        if (rtcpReceived.isReplay(index)) {
            return SrtpStatus.REPLAYED;
        }
        boolean ok;
        if (buf.hasArray()) {
            ok = transform.unprotectRtcp(buf.array(), buf.arrayOffset() + r, len, ssrc, index, encrypted);
        } else {
            byte[] s = transform.scratch(len);
            buf.getBytes(r, s, 0, len);
            ok = transform.unprotectRtcp(s, 0, len, ssrc, index, encrypted);
            if (ok) {
                buf.setBytes(r + RTCP_HEADER, s, RTCP_HEADER, len - RTCP_HEADER - overhead);
            }
        }
        if (!ok) {
            return SrtpStatus.AUTH_FAILED;
        }
        rtcpReceived.accept(index);
        buf.writerIndex(r + len - overhead);
        return SrtpStatus.OK;
    }

    /** Highest RTP index protected so far (ROC = index >>> 16), or -1. */
    long highestSentIndex() {
        return highestSent;
    }

    /** Highest RTP index authenticated so far (ROC = index >>> 16), or -1. */
    long highestReceivedIndex() {
        return rtpReceived.highest();
    }

    /** Lets tests start the sender at a given ROC or SRTCP index. */
    void resumeSending(long highestRtpIndex, int lastSrtcpIndex) {
        this.highestSent = highestRtpIndex;
        this.srtcpSent = lastSrtcpIndex;
    }

    /**
     * RFC 3711 Appendix A: picks the ROC (v) that puts {@code seq} closest to the highest index
     * seen. Returns -1 when that would need a ROC below zero (a packet from before the start).
     */
    static long estimateIndex(long highest, int seq) {
        if (highest < 0) {
            return seq;
        }
        long roc = highest >>> 16;
        int sl = (int) (highest & 0xFFFF);
        long v;
        if (sl < 32768) {
            v = seq - sl > 32768 ? roc - 1 : roc;
        } else {
            v = sl - 32768 > seq ? roc + 1 : roc;
        }
        return v < 0 ? -1 : (v << 16) | seq;
    }

    /** Fixed header + CSRCs + extension; -1 if too short, -2 if not RTP v2 or inconsistent. */
    static int rtpHeaderLength(ByteBuf buf, int r, int len) {
        if (len < RTP_HEADER) {
            return -1;
        }
        int b0 = buf.getUnsignedByte(r);
        if ((b0 & 0xC0) != 0x80) {
            return -2;
        }
        int hdr = RTP_HEADER + 4 * (b0 & 0x0F);
        if ((b0 & 0x10) != 0) {
            if (len < hdr + 4) {
                return -2;
            }
            hdr += 4 + 4 * buf.getUnsignedShort(r + hdr + 2);
        }
        return hdr <= len ? hdr : -2;
    }
}
