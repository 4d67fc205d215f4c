package io.parley.protocol.media;

import static io.parley.protocol.media.Bytes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class MediaDemuxTest {

    @Test
    void firstByteRanges() {
        assertThat(kind(StunMessageTest.SAMPLE_REQUEST)).isEqualTo(MediaDemux.Kind.STUN);
        assertThat(kind(hex("16 fefd"))).isEqualTo(MediaDemux.Kind.DTLS);       // handshake, DTLS 1.2
        assertThat(kind(hex("17 fefd"))).isEqualTo(MediaDemux.Kind.DTLS);       // application data
        assertThat(kind(RtpPacketTest.OPUS)).isEqualTo(MediaDemux.Kind.RTP);    // PT 111 with marker
        assertThat(kind(hex("80 6f"))).isEqualTo(MediaDemux.Kind.RTP);          // PT 111, no marker
        assertThat(kind(hex("80 c8 0006"))).isEqualTo(MediaDemux.Kind.RTCP);    // SR (200)
        assertThat(kind(hex("81 cd 0002"))).isEqualTo(MediaDemux.Kind.RTCP);    // RTPFB (205)
        assertThat(kind(hex("80 df"))).isEqualTo(MediaDemux.Kind.RTCP);         // 223, last RTCP value
        assertThat(kind(hex("80 e0"))).isEqualTo(MediaDemux.Kind.RTP);          // 224 = marker + PT 96
        assertThat(kind(hex("40 00"))).isEqualTo(MediaDemux.Kind.UNKNOWN);      // TURN channel
        assertThat(kind(hex("10 00"))).isEqualTo(MediaDemux.Kind.UNKNOWN);      // ZRTP
        assertThat(kind(hex("c0 00"))).isEqualTo(MediaDemux.Kind.UNKNOWN);      // 192+: none of ours
        assertThat(kind(hex("80"))).isEqualTo(MediaDemux.Kind.UNKNOWN);         // too short
        assertThat(MediaDemux.classify(hex("80 c9"), 2)).isEqualTo(MediaDemux.Kind.RTCP);
    }

    private static MediaDemux.Kind kind(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return MediaDemux.classify(buf);
        } finally {
            buf.release();
        }
    }
}
