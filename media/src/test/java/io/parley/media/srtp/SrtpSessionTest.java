package io.parley.media.srtp;

import static io.parley.media.srtp.Bytes.buffer;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Two sessions with mirrored keys, as the two ends of one DTLS-SRTP association. */
class SrtpSessionTest {
    private static final int SSRC = 0x1234ABCD;

    private static SrtpSession[] pair(SrtpProfile profile) {
        byte[] k1 = filled(profile.keyLength(), 1);
        byte[] s1 = filled(profile.saltLength(), 2);
        byte[] k2 = filled(profile.keyLength(), 3);
        byte[] s2 = filled(profile.saltLength(), 4);
        return new SrtpSession[] {
            new SrtpSession(new SrtpKeys(profile, k1, s1, k2, s2)),
            new SrtpSession(new SrtpKeys(profile, k2, s2, k1, s1))
        };
    }

    private static byte[] filled(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    /** V=2, optional CSRCs and a one-byte-header extension, PT 111 (Opus), 20 payload bytes. */
    static byte[] rtp(int seq, int ssrc, boolean csrcAndExtension) {
        ByteBuf b = io.netty.buffer.Unpooled.buffer();
        b.writeByte(csrcAndExtension ? 0x80 | 0x10 | 1 : 0x80).writeByte(111).writeShort(seq)
                .writeInt(seq * 960).writeInt(ssrc);
        if (csrcAndExtension) {
            b.writeInt(0xCAFEF00D);                       // one CSRC
            b.writeShort(0xBEDE).writeShort(1).writeInt(0x10FF0000); // extension: audio level
        }
        for (int i = 0; i < 20; i++) {
            b.writeByte(seq + i);
        }
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    static byte[] rtcpReceiverReport(int ssrc) {
        // RR with one report block: V=2 RC=1, PT 201, length 7 words.
        ByteBuf b = io.netty.buffer.Unpooled.buffer();
        b.writeByte(0x81).writeByte(201).writeShort(7).writeInt(ssrc);
        b.writeInt(0x55555555).writeInt(0x01000002).writeInt(1234).writeInt(17).writeInt(0).writeInt(0);
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rtpAndRtcpRoundTrip_headerStaysClear(SrtpProfile profile) {
        SrtpSession[] s = pair(profile);
        for (boolean direct : new boolean[] {false, true}) {
            byte[] plain = rtp(7, SSRC, true);
            ByteBuf buf = buffer(direct, plain);
            assertThat(s[0].protectRtp(buf)).isEqualTo(SrtpStatus.OK);
            assertThat(buf.readableBytes()).isEqualTo(plain.length + profile.tagLength());
            assertThat(ByteBufUtil.getBytes(buf, 0, 24)).isEqualTo(Arrays.copyOf(plain, 24)); // header + CSRC + ext
            assertThat(ByteBufUtil.getBytes(buf, 24, 20)).isNotEqualTo(Arrays.copyOfRange(plain, 24, 44));
            assertThat(s[1].unprotectRtp(buf)).isEqualTo(SrtpStatus.OK);
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(plain);
            buf.release();

            byte[] rr = rtcpReceiverReport(SSRC);
            ByteBuf rtcp = buffer(direct, rr);
            assertThat(s[1].protectRtcp(rtcp)).isEqualTo(SrtpStatus.OK);
            assertThat(rtcp.readableBytes()).isEqualTo(rr.length + 4 + profile.tagLength());
            assertThat(s[0].unprotectRtcp(rtcp)).isEqualTo(SrtpStatus.OK);
            assertThat(ByteBufUtil.getBytes(rtcp)).isEqualTo(rr);
            rtcp.release();
            // next round uses new sequence numbers so nothing is a replay
            s = pair(profile);
        }
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void tamperedPacketsFailAuthentication(SrtpProfile profile) {
        SrtpSession[] s = pair(profile);
        byte[] plain = rtp(100, SSRC, false);
        byte[] wire = protect(s[0], plain);
        int[] positions = {1, 4, 12, 20, wire.length - 1}; // PT, timestamp, payload, tag
        for (int pos : positions) {
            byte[] bad = wire.clone();
            bad[pos] ^= 0x01;
            ByteBuf buf = buffer(false, bad);
            assertThat(s[1].unprotectRtp(buf)).as("flipped byte %d", pos).isEqualTo(SrtpStatus.AUTH_FAILED);
            buf.release();
        }
        // Nothing above may have moved the replay window: the genuine packet still gets in.
        ByteBuf good = buffer(true, wire);
        assertThat(s[1].unprotectRtp(good)).isEqualTo(SrtpStatus.OK);
        good.release();

        byte[] rtcpWire = protectRtcp(s[1], rtcpReceiverReport(SSRC));
        rtcpWire[10] ^= 0x40;
        ByteBuf rtcp = buffer(false, rtcpWire);
        assertThat(s[0].unprotectRtcp(rtcp)).isEqualTo(SrtpStatus.AUTH_FAILED);
        rtcp.release();
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void wrongKeysFailAuthentication(SrtpProfile profile) {
        SrtpSession sender = pair(profile)[0];
        SrtpSession stranger = pair(profile)[0]; // same local/remote as sender, so remote keys differ
        ByteBuf buf = buffer(false, protect(sender, rtp(1, SSRC, false)));
        assertThat(stranger.unprotectRtp(buf)).isEqualTo(SrtpStatus.AUTH_FAILED);
        assertThat(stranger.inboundContextForTest(SSRC)).as("failed SSRCs are not remembered").isNull();
        buf.release();
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void replaysAreRejected(SrtpProfile profile) {
        SrtpSession[] s = pair(profile);
        byte[] first = protect(s[0], rtp(10, SSRC, false));
        byte[] second = protect(s[0], rtp(11, SSRC, false));
        assertThat(unprotect(s[1], second)).isEqualTo(SrtpStatus.OK);
        assertThat(unprotect(s[1], first)).as("late but inside the window").isEqualTo(SrtpStatus.OK);
        assertThat(unprotect(s[1], first)).isEqualTo(SrtpStatus.REPLAYED);
        assertThat(unprotect(s[1], second)).isEqualTo(SrtpStatus.REPLAYED);

        byte[] rr = protectRtcp(s[1], rtcpReceiverReport(SSRC));
        ByteBuf buf = buffer(false, rr);
        assertThat(s[0].unprotectRtcp(buf)).isEqualTo(SrtpStatus.OK);
        buf.release();
        buf = buffer(false, rr);
        assertThat(s[0].unprotectRtcp(buf)).isEqualTo(SrtpStatus.REPLAYED);
        buf.release();
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void packetsOlderThanTheWindowAreRejected(SrtpProfile profile) {
        SrtpSession[] s = pair(profile);
        byte[] old = protect(s[0], rtp(1, SSRC, false));
        byte[] recent = null;
        for (int seq = 2; seq <= 2 + SrtpContext.RTP_REPLAY_WINDOW; seq++) {
            recent = protect(s[0], rtp(seq, SSRC, false));
        }
        assertThat(unprotect(s[1], recent)).isEqualTo(SrtpStatus.OK);
        assertThat(unprotect(s[1], old)).isEqualTo(SrtpStatus.REPLAYED);
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rolloverCounterAdvancesAcrossSequenceWrap(SrtpProfile profile) {
        SrtpSession[] s = pair(profile);
        int[] seqs = {65533, 65534, 65535, 0, 1, 2};
        byte[][] wire = new byte[seqs.length][];
        for (int i = 0; i < seqs.length; i++) {
            wire[i] = protect(s[0], rtp(seqs[i], SSRC, false));
        }
        assertThat(s[0].outboundContextForTest(SSRC).highestSentIndex()).isEqualTo((1L << 16) | 2);
        // Deliver with the wrap reordered: 0 arrives before 65535.
        int[] order = {0, 1, 3, 2, 4, 5};
        for (int i : order) {
            assertThat(unprotect(s[1], wire[i])).as("seq %d", seqs[i]).isEqualTo(SrtpStatus.OK);
        }
        assertThat(s[1].inboundContextForTest(SSRC).highestReceivedIndex() >>> 16).isEqualTo(1);

        // seq 0 after the wrap really used ROC 1: a sender resumed at ROC 1 produces the same bytes.
        SrtpSession resumed = pair(profile)[0];
        resumed.outboundContextForTest(SSRC).resumeSending(65535, 0);
        assertThat(protect(resumed, rtp(0, SSRC, false))).isEqualTo(wire[3]);
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void shortAndMalformedPackets(SrtpProfile profile) {
        SrtpSession s = pair(profile)[1];
        assertThat(unprotect(s, new byte[11])).isEqualTo(SrtpStatus.TOO_SHORT);
        byte[] headerOnly = Arrays.copyOf(rtp(1, SSRC, false), 12 + profile.tagLength() - 1);
        assertThat(unprotect(s, headerOnly)).isEqualTo(SrtpStatus.TOO_SHORT);
        byte[] v1 = rtp(1, SSRC, false);
        v1[0] = 0x40;
        assertThat(unprotect(s, v1)).isEqualTo(SrtpStatus.MALFORMED);
        byte[] extPastEnd = rtp(1, SSRC, false);
        extPastEnd[0] |= 0x10;
        extPastEnd[14] = 0x7F; // extension length in words far beyond the packet
        assertThat(unprotect(s, extPastEnd)).isEqualTo(SrtpStatus.MALFORMED);
        ByteBuf rtcp = buffer(false, new byte[] {(byte) 0x81, (byte) 201, 0, 1, 0, 0, 0, 1});
        assertThat(s.unprotectRtcp(rtcp)).isEqualTo(SrtpStatus.TOO_SHORT);
        rtcp.release();
    }

    @org.junit.jupiter.api.Test
    void indexEstimation_rfc3711AppendixA() {
        assertThat(SrtpContext.estimateIndex(-1, 500)).isEqualTo(500);
        assertThat(SrtpContext.estimateIndex(65535, 3)).isEqualTo(65536 + 3);       // wrapped forward
        assertThat(SrtpContext.estimateIndex(65536 + 3, 65530)).isEqualTo(65530);   // late, previous ROC
        assertThat(SrtpContext.estimateIndex(10, 65530)).isEqualTo(-1);             // before ROC 0
        assertThat(SrtpContext.estimateIndex(1000, 1200)).isEqualTo(1200);
    }

    private static byte[] protect(SrtpSession s, byte[] plain) {
        ByteBuf buf = buffer(true, plain);
        try {
            assertThat(s.protectRtp(buf)).isEqualTo(SrtpStatus.OK);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] protectRtcp(SrtpSession s, byte[] plain) {
        ByteBuf buf = buffer(false, plain);
        try {
            assertThat(s.protectRtcp(buf)).isEqualTo(SrtpStatus.OK);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static SrtpStatus unprotect(SrtpSession s, byte[] wire) {
        ByteBuf buf = buffer(false, wire);
        try {
            return s.unprotectRtp(buf);
        } finally {
            buf.release();
        }
    }
}
