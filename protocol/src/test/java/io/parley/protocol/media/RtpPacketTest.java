package io.parley.protocol.media;

import static io.parley.protocol.media.Bytes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RtpPacketTest {

    /** An Opus packet as Chrome sends it, with the audio level in a one-byte extension. */
    static final byte[] OPUS = hex("""
            90                  // V=2 P=0 X=1 CC=0
            ef                  // M=1 PT=111
            1234                // sequence 4660
            00003039            // timestamp 12345
            deadbeef            // SSRC
            bede 0001           // one-byte extension profile, 1 word
            10 a7 0000          // id 1 L=0: V=1 level 39; 2 padding bytes
            f8fffe              // Opus payload
            """);

    /** CSRCs, a two-byte extension block and 3 bytes of padding. */
    static final byte[] PADDED = hex("""
            b2                  // V=2 P=1 X=1 CC=2
            60                  // M=0 PT=96
            0001                // sequence 1
            00000064            // timestamp 100
            11223344            // SSRC
            aaaaaaaa bbbbbbbb   // CSRCs
            1000 0002           // two-byte extension profile, 2 words
            01 01 05            // id 1, 1 byte: V=0 level 5
            00                  // padding between elements
            03 02 abcd          // id 3, 2 bytes
            010203              // payload
            000003              // padding, count 3
            """);

    private final RtpPacket view = new RtpPacket();

    @Test
    void opusWithOneByteExtension() {
        ByteBuf buf = Unpooled.wrappedBuffer(OPUS);
        try {
            assertThat(view.wrap(buf)).isEqualTo(RtpPacket.Status.OK);
            assertThat(view.version()).isEqualTo(2);
            assertThat(view.hasPadding()).isFalse();
            assertThat(view.hasExtension()).isTrue();
            assertThat(view.csrcCount()).isZero();
            assertThat(view.marker()).isTrue();
            assertThat(view.payloadType()).isEqualTo(111);
            assertThat(view.sequenceNumber()).isEqualTo(0x1234);
            assertThat(view.timestamp()).isEqualTo(12345);
            assertThat(view.ssrc()).isEqualTo(0xdeadbeefL);
            assertThat(view.headerLength()).isEqualTo(20);
            assertThat(view.payloadOffset()).isEqualTo(20);
            assertThat(view.payloadLength()).isEqualTo(3);
            assertThat(view.extensionProfile()).isEqualTo(RtpPacket.ONE_BYTE_PROFILE);
            assertThat(view.extensionOffset(1)).isEqualTo(17);
            assertThat(view.extensionLength(1)).isEqualTo(1);
            assertThat(view.audioLevel(1)).isEqualTo(39);
            assertThat(view.voiceActivity(1)).isTrue();
            assertThat(view.extensionOffset(2)).isEqualTo(-1);
            assertThat(view.audioLevel(2)).isEqualTo(-1);
            ByteBuf payload = view.payload();
            assertThat(ByteBufUtil.getBytes(payload)).isEqualTo(hex("f8fffe"));
        } finally {
            buf.release();
        }
    }

    @Test
    void csrcsTwoByteExtensionAndPadding() {
        ByteBuf buf = Unpooled.wrappedBuffer(PADDED);
        try {
            assertThat(view.wrap(buf)).isEqualTo(RtpPacket.Status.OK);
            assertThat(view.hasPadding()).isTrue();
            assertThat(view.csrcCount()).isEqualTo(2);
            assertThat(view.csrc(0)).isEqualTo(0xaaaaaaaaL);
            assertThat(view.csrc(1)).isEqualTo(0xbbbbbbbbL);
            assertThat(view.marker()).isFalse();
            assertThat(view.payloadType()).isEqualTo(96);
            assertThat(view.headerLength()).isEqualTo(12 + 8 + 4 + 8);
            assertThat(view.paddingLength()).isEqualTo(3);
            assertThat(view.payloadLength()).isEqualTo(3);
            assertThat(view.extensionProfile()).isEqualTo(0x1000);
            assertThat(view.audioLevel(1)).isEqualTo(5);
            assertThat(view.voiceActivity(1)).isFalse();
            assertThat(view.extensionOffset(3)).isEqualTo(30); // 24 + 3 + 1 padding + 2-byte element header
            assertThat(view.extensionLength(3)).isEqualTo(2);
        } finally {
            buf.release();
        }
    }

    @Test
    void viewRespectsReaderIndex() {
        ByteBuf buf = Unpooled.buffer().writeBytes(hex("ffff")).writeBytes(OPUS);
        try {
            buf.skipBytes(2);
            assertThat(view.wrap(buf)).isEqualTo(RtpPacket.Status.OK);
            assertThat(view.offset()).isEqualTo(2);
            assertThat(view.ssrc()).isEqualTo(0xdeadbeefL);
            assertThat(view.audioLevel(1)).isEqualTo(39);
        } finally {
            buf.release();
        }
    }

    @Test
    void rewriteInPlace() {
        ByteBuf buf = Unpooled.copiedBuffer(OPUS);
        try {
            view.wrap(buf);
            view.setSsrc(0x01020304L);
            view.setSequenceNumber(0xffff);
            view.setPayloadType(100);
            view.setTimestamp(0xfffffffeL);
            byte[] expected = OPUS.clone();
            System.arraycopy(hex("""
                    90 e4               // marker kept, PT=100
                    ffff                // sequence 65535
                    fffffffe            // timestamp
                    01020304            // SSRC
                    """), 0, expected, 0, 12);
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(expected);
            view.setMarker(false);
            assertThat(view.marker()).isFalse();
            assertThat(view.payloadType()).isEqualTo(100);
        } finally {
            buf.release();
        }
    }

    @Test
    void writeHeaderMatchesChromeLayout() {
        ByteBuf buf = Unpooled.buffer();
        try {
            int n = RtpPacket.writeHeader(buf, 111, true, 0x1234, 12345, 0xdeadbeefL, 1, true, 39);
            buf.writeBytes(hex("f8fffe"));
            assertThat(n).isEqualTo(20);
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(OPUS);
            buf.clear();
            assertThat(RtpPacket.writeHeader(buf, 0, false, 7, 8, 9, 0, false, 0)).isEqualTo(12);
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(hex("8000 0007 00000008 00000009"));
        } finally {
            buf.release();
        }
    }

    @Test
    void writeHeaderWithMidAndEveryElementReadBack() {
        ByteBuf buf = Unpooled.buffer();
        try {
            int n = RtpPacket.writeHeader(buf, 111, false, 1, 2, 3, 1, true, 48, 4, new byte[] {'a', '1'});
            assertThat(n).isEqualTo(24);
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(hex("""
                    90 6f 0001 00000002 00000003
                    bede 0002           // two words
                    10 b0               // id 1 (level): V=1 level 48
                    41 6131             // id 4 L=1: "a1"
                    000000              // padding
                    """));
            assertThat(view.wrap(buf)).isEqualTo(RtpPacket.Status.OK);
            assertThat(view.extensionElements()).containsOnlyKeys(1, 4);
            assertThat(view.extensionElements().get(4)).isEqualTo(new byte[] {'a', '1'});
            buf.clear();
            assertThat(RtpPacket.writeHeader(buf, 111, false, 1, 2, 3, 0, false, 0, 2, new byte[] {'0'})).isEqualTo(20);
            assertThat(ByteBufUtil.getBytes(buf, 12, 8)).isEqualTo(hex("bede 0001 20 30 0000"));
        } finally {
            buf.release();
        }
        assertThat(view.wrap(Unpooled.wrappedBuffer(PADDED))).isEqualTo(RtpPacket.Status.OK);
        assertThat(view.extensionElements()).containsOnlyKeys(1, 3);
    }

    @Test
    void invalidPacketsReturnAReason() {
        assertStatus(Arrays.copyOf(OPUS, 11), RtpPacket.Status.TOO_SHORT);
        assertStatus(new byte[0], RtpPacket.Status.TOO_SHORT);
        byte[] version1 = OPUS.clone();
        version1[0] = 0x50;
        assertStatus(version1, RtpPacket.Status.BAD_VERSION);
        byte[] manyCsrcs = OPUS.clone();
        manyCsrcs[0] = (byte) 0x8f; // CC=15 needs 72 bytes
        assertStatus(manyCsrcs, RtpPacket.Status.HEADER_LONGER_THAN_PACKET);
        byte[] longExtension = OPUS.clone();
        longExtension[15] = 0x09; // 9 words of extension
        assertStatus(longExtension, RtpPacket.Status.HEADER_LONGER_THAN_PACKET);
        assertStatus(hex("90 ef 1234 00003039 deadbeef be"), RtpPacket.Status.HEADER_LONGER_THAN_PACKET);
        byte[] zeroPadding = PADDED.clone();
        zeroPadding[zeroPadding.length - 1] = 0;
        assertStatus(zeroPadding, RtpPacket.Status.BAD_PADDING);
        byte[] hugePadding = PADDED.clone();
        hugePadding[hugePadding.length - 1] = 7; // payload + padding is only 6 bytes
        assertStatus(hugePadding, RtpPacket.Status.BAD_PADDING);
        assertThat(RtpPacket.Status.BAD_PADDING.reason()).contains("padding");
    }

    @Test
    void malformedExtensionElementsAreNotFound() {
        byte[] overrun = OPUS.clone();
        overrun[16] = 0x1f; // id 1 claims 16 data bytes in a 4-byte block
        byte[] reserved = OPUS.clone();
        reserved[16] = (byte) 0xf0; // id 15 ends processing
        for (byte[] packet : new byte[][] {overrun, reserved}) {
            ByteBuf buf = Unpooled.wrappedBuffer(packet);
            try {
                assertThat(view.wrap(buf)).isEqualTo(RtpPacket.Status.OK);
                assertThat(view.audioLevel(1)).isEqualTo(-1);
                assertThat(view.extensionOffset(1)).isEqualTo(-1);
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void garbageNeverThrows() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] packet = (i % 2 == 0 ? OPUS : PADDED).clone();
            for (int f = 0; f < 3; f++) {
                packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
            }
            ByteBuf buf = Unpooled.wrappedBuffer(packet, 0, random.nextInt(packet.length + 1));
            try {
                if (view.wrap(buf) == RtpPacket.Status.OK) {
                    assertThat(view.payloadLength()).isNotNegative();
                    for (int id = 0; id < 16; id++) {
                        view.audioLevel(id);
                        view.extensionLength(id);
                    }
                }
            } finally {
                buf.release();
            }
        }
    }

    private void assertStatus(byte[] packet, RtpPacket.Status expected) {
        ByteBuf buf = Unpooled.wrappedBuffer(packet);
        try {
            assertThat(view.wrap(buf)).isEqualTo(expected);
        } finally {
            buf.release();
        }
    }
}
