package io.parley.protocol.media;

import static io.parley.protocol.media.Bytes.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.parley.protocol.media.RtcpPacket.Bye;
import io.parley.protocol.media.RtcpPacket.Fir;
import io.parley.protocol.media.RtcpPacket.FirEntry;
import io.parley.protocol.media.RtcpPacket.Nack;
import io.parley.protocol.media.RtcpPacket.NackItem;
import io.parley.protocol.media.RtcpPacket.Pli;
import io.parley.protocol.media.RtcpPacket.ReceiverReport;
import io.parley.protocol.media.RtcpPacket.ReportBlock;
import io.parley.protocol.media.RtcpPacket.SdesChunk;
import io.parley.protocol.media.RtcpPacket.SenderReport;
import io.parley.protocol.media.RtcpPacket.SourceDescription;
import io.parley.protocol.media.RtcpPacket.Unknown;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RtcpCodecTest {

    /** What a sender emits every few seconds: SR with one report block, then SDES CNAME. */
    static final byte[] SR_SDES = hex("""
            81 c8 000c          // V=2 P=0 RC=1, SR, 13 words
            deadbeef            // sender SSRC
            e1e2e3e4 80000000   // NTP time
            00003039            // RTP time 12345
            00000064            // packet count 100
            00003e80            // octet count 16000
            11223344            // report block: source SSRC
            19 fffffe           // fraction lost 25/256, cumulative lost -2
            00011234            // extended highest sequence: 1 cycle, 0x1234
            00000020            // jitter 32
            b7052030            // LSR
            00054000            // DLSR 5.25 s
            81 ca 0006          // V=2 P=0 SC=1, SDES, 7 words
            deadbeef            // chunk SSRC
            01 10               // CNAME, 16 bytes
            57713076 5962586c 31467951 3443336e // "Wq0vYbXl1FyQ4C3n"
            0000                // end of items + padding to the word
            """);

    /** Feedback compound: empty RR, NACK, PLI, FIR, BYE with a reason. */
    static final byte[] FEEDBACK = hex("""
            80 c9 0001          // RR RC=0, 2 words
            00000001            // sender SSRC
            81 cd 0003          // RTPFB FMT=1 (NACK), 4 words
            00000001            // sender SSRC
            deadbeef            // media SSRC
            0064 8005           // PID 100, BLP bits 0, 2, 15: lost 100, 101, 103, 116
            81 ce 0002          // PSFB FMT=1 (PLI), 3 words
            00000001 deadbeef   // sender, media SSRC
            84 ce 0004          // PSFB FMT=4 (FIR), 5 words
            00000001 00000000   // sender SSRC, media SSRC always 0
            deadbeef 07 000000  // FCI: SSRC, sequence number 7, reserved
            81 cb 0003          // BYE SC=1, 4 words
            deadbeef            // SSRC
            04 646f6e65 000000  // reason "done" + padding
            """);

    @Test
    void senderReportAndSdes() {
        List<RtcpPacket> packets = parse(SR_SDES);
        assertThat(packets).containsExactly(
                new SenderReport(0xdeadbeefL, 0xe1e2e3e480000000L, 12345, 100, 16000, List.of(
                        new ReportBlock(0x11223344L, 25, -2, 0x11234L, 32, 0xb7052030L, 0x54000L))),
                new SourceDescription(List.of(new SdesChunk(0xdeadbeefL, "Wq0vYbXl1FyQ4C3n"))));
        assertThat(write(packets)).isEqualTo(SR_SDES);
    }

    @Test
    void feedbackCompound() {
        List<RtcpPacket> packets = parse(FEEDBACK);
        assertThat(packets).containsExactly(
                new ReceiverReport(1, List.of()),
                new Nack(1, 0xdeadbeefL, List.of(new NackItem(100, 0x8005))),
                new Pli(1, 0xdeadbeefL),
                new Fir(1, List.of(new FirEntry(0xdeadbeefL, 7))),
                new Bye(List.of(0xdeadbeefL), "done"));
        assertThat(((Nack) packets.get(1)).lostSequenceNumbers()).containsExactly(100, 101, 103, 116);
        assertThat(write(packets)).isEqualTo(FEEDBACK);
    }

    @Test
    void unknownPacketsAreKeptAndRewritten() {
        byte[] transportCc = hex("""
                8f cd 0005          // RTPFB FMT=15 (transport-cc), 6 words
                00000001 deadbeef   // sender, media SSRC
                0001 0002 12345601  // base seq, status count, reference time + fb count
                2000 0000           // one run-length chunk, padding
                """);
        List<RtcpPacket> packets = parse(transportCc);
        assertThat(packets).hasSize(1);
        Unknown unknown = (Unknown) packets.get(0);
        assertThat(unknown.packetType()).isEqualTo(RtcpPacket.RTPFB);
        assertThat(unknown.count()).isEqualTo(15);
        assertThat(unknown.body()).hasSize(20);
        assertThat(write(packets)).isEqualTo(transportCc);
    }

    @Test
    void unalignedUnknownBodyIsWrittenWithRtcpPadding() {
        byte[] written = write(List.of(new Unknown(RtcpPacket.APP, 0, hex("00000001 6e616d65 aa"))));
        assertThat(written).isEqualTo(hex("""
                a0 cc 0003          // V=2 P=1, APP, 4 words
                00000001 6e616d65   // SSRC, name
                aa 0000 03          // data, then padding whose last byte is its length
                """));
        Unknown back = (Unknown) parse(written).get(0);
        assertThat(back.body()).isEqualTo(hex("00000001 6e616d65 aa"));
    }

    @Test
    void paddedLastPacketIsAccepted() {
        List<RtcpPacket> packets = parse(hex("""
                a0 c9 0002          // RR RC=0 P=1, 3 words
                00000001            // sender SSRC
                00000004            // 4 bytes of padding
                """));
        assertThat(packets).containsExactly(new ReceiverReport(1, List.of()));
    }

    @Test
    void readerIndexIsRespectedAndUnchanged() {
        ByteBuf buf = Unpooled.buffer().writeByte(0x55).writeBytes(FEEDBACK);
        try {
            buf.skipBytes(1);
            assertThat(RtcpCodec.parse(buf).value()).hasSize(5);
            assertThat(buf.readerIndex()).isEqualTo(1);
        } finally {
            buf.release();
        }
    }

    @Test
    void nackItemsFromLostSequenceNumbers() {
        assertThat(Nack.toItems(100, 101, 103, 116)).containsExactly(new NackItem(100, 0x8005));
        // Wraps around 65535 -> 0.
        assertThat(Nack.toItems(65534, 65535, 0, 1)).containsExactly(new NackItem(65534, 0x0007));
        // 17 after the PID does not fit in the bitmask; duplicates are dropped.
        assertThat(Nack.toItems(1, 1, 18, 19)).containsExactly(new NackItem(1, 0), new NackItem(18, 1));
        assertThat(Nack.toItems()).isEmpty();
        Nack nack = Nack.of(1, 2, 5, 7, 40);
        assertThat(nack.lostSequenceNumbers()).containsExactly(5, 7, 40);
        assertThat(new NackItem(65535, 0x0001).lostSequenceNumbers()).containsExactly(65535, 0);
    }

    @Test
    void nackRoundTripOfManyLosses() {
        int[] lost = new int[200];
        for (int i = 0; i < lost.length; i++) {
            lost[i] = (65000 + i * 3) & 0xFFFF;
        }
        Nack nack = Nack.of(1, 2, lost);
        Nack back = (Nack) parse(write(List.of(nack))).get(0);
        assertThat(back.lostSequenceNumbers()).containsExactly(lost);
    }

    @Test
    void cumulativeLostIsClampedTo24BitsSigned() {
        ReceiverReport rr = new ReceiverReport(1, List.of(
                new ReportBlock(2, 300, 10_000_000, 0, 0, 0, 0),
                new ReportBlock(3, -1, -10_000_000, 0, 0, 0, 0)));
        List<ReportBlock> back = ((ReceiverReport) parse(write(List.of(rr))).get(0)).reports();
        assertThat(back.get(0).cumulativeLost()).isEqualTo(0x7FFFFF);
        assertThat(back.get(0).fractionLost()).isEqualTo(255);
        assertThat(back.get(1).cumulativeLost()).isEqualTo(-0x800000);
        assertThat(back.get(1).fractionLost()).isZero();
    }

    @Test
    void tooManyReportBlocksIsRefused() {
        List<ReportBlock> blocks = Collections.nCopies(32, new ReportBlock(1, 0, 0, 0, 0, 0, 0));
        assertThatThrownBy(() -> new ReceiverReport(1, blocks)).hasMessageContaining("32 (expected: <= 31)");
    }

    @Test
    void malformedInputFailsWithAReason() {
        assertFails(new byte[0], "empty");
        assertFails(hex("80c9"), "2 bytes (expected: >= 4)");
        assertFails(hex("40c9 0001 00000001"), "version 1 (expected: 2)");
        assertFails(hex("80c9 0002 00000001"), "length 12 bytes (expected: <= 8 remaining)");
        assertFails(Arrays.copyOf(SR_SDES, SR_SDES.length - 1), "offset 52: length 28 bytes");
        assertFails(hex("81c8 0006 deadbeef e1e2e3e4 80000000 00003039 00000064 00003e80"),
                "SR with 1 blocks: 24 bytes (expected: >= 48)");
        assertFails(hex("a0c9 0001 00000000"), "padding 0 (expected: 1..4)");
        assertFails(hex("a0c9 0001 00000009"), "padding 9");
        assertFails(hex("81ca 0002 deadbeef 01 02 6162"), "no end item");
        assertFails(hex("81ca 0002 deadbeef 01 09 6162"), "overruns the packet");
        assertFails(hex("82ca 0002 deadbeef 00000000"), "SDES chunk 1 truncated");
        assertFails(hex("81cb 0002 deadbeef 09 616263"), "BYE reason: 9 bytes");
        assertFails(hex("82cb 0001 deadbeef"), "BYE with 2 sources");
        assertFails(hex("81cd 0001 00000001"), "NACK: 4 bytes");
        assertFails(hex("81ce 0001 00000001"), "PLI: 4 bytes");
        assertFails(hex("84ce 0003 00000001 00000000 deadbeef"), "FIR: 12 bytes");
    }

    @Test
    void garbageNeverThrows() {
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            byte[] packet = (i % 2 == 0 ? SR_SDES : FEEDBACK).clone();
            for (int f = 0; f < 3; f++) {
                packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
            }
            ByteBuf buf = Unpooled.wrappedBuffer(packet, 0, random.nextInt(packet.length + 1));
            try {
                Parsed<List<RtcpPacket>> parsed = RtcpCodec.parse(buf);
                assertThat(parsed.isOk() || parsed.error() != null).isTrue();
            } finally {
                buf.release();
            }
        }
    }

    static List<RtcpPacket> parse(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            Parsed<List<RtcpPacket>> parsed = RtcpCodec.parse(buf);
            assertThat(parsed.error()).isNull();
            return new ArrayList<>(parsed.value());
        } finally {
            buf.release();
        }
    }

    static byte[] write(List<? extends RtcpPacket> packets) {
        ByteBuf buf = Unpooled.buffer();
        try {
            RtcpCodec.writeCompound(buf, packets);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static void assertFails(byte[] bytes, String reason) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            Parsed<List<RtcpPacket>> parsed = RtcpCodec.parse(buf);
            assertThat(parsed.isOk()).isFalse();
            assertThat(parsed.error()).contains(reason);
        } finally {
            buf.release();
        }
    }
}
