package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.parley.protocol.media.RtpPacket;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * TWCC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) for known arrival patterns, read back by
 * {@link Decoded}, a decoder written here from the draft alone, and one packet compared byte for byte.
 */
class TransportCcFeedbackTest {
    private static final long TICK = TransportCcFeedback.DELTA_TICK_NANOS;
    private static final long MS = 1_000_000L;
    private static final long SENDER = 0x11223344L;

    /** One feedback packet, decoded from the draft's layout: statuses by sequence number, arrival in 250 µs ticks. */
    record Decoded(long senderSsrc, long mediaSsrc, int baseSeq, int statusCount, int referenceTime, int fbCount,
            Map<Integer, Long> arrivals, List<Integer> symbols, int lengthBytes) {

        static Decoded of(ByteBuf b) {
            int start = b.readerIndex();
            int first = b.readUnsignedByte();
            assertThat(first >>> 6).as("version").isEqualTo(2);
            assertThat(first & 0x20).as("padding bit (zero padding instead)").isZero();
            assertThat(first & 0x1F).as("FMT").isEqualTo(15);
            assertThat((int) b.readUnsignedByte()).as("PT").isEqualTo(205);
            int words = b.readUnsignedShort();
            long sender = b.readUnsignedInt();
            long media = b.readUnsignedInt();
            int base = b.readUnsignedShort();
            int count = b.readUnsignedShort();
            int reference = b.readUnsignedMedium();
            int fbCount = b.readUnsignedByte();
            List<Integer> symbols = new ArrayList<>();
            while (symbols.size() < count) {
                int chunk = b.readUnsignedShort();
                if ((chunk & 0x8000) == 0) { // run length: symbol (2 bits), length (13 bits)
                    int symbol = chunk >>> 13 & 3;
                    for (int i = 0; i < (chunk & 0x1FFF); i++) {
                        symbols.add(symbol);
                    }
                } else if ((chunk & 0x4000) == 0) { // 14 one-bit symbols
                    for (int i = 13; i >= 0; i--) {
                        symbols.add(chunk >>> i & 1);
                    }
                } else { // 7 two-bit symbols
                    for (int i = 6; i >= 0; i--) {
                        symbols.add(chunk >>> (2 * i) & 3);
                    }
                }
            }
            symbols = new ArrayList<>(symbols.subList(0, count)); // a vector's tail past the count is padding
            // The reference time is a signed 24-bit count of 64 ms; arrivals are in 250 µs ticks from there.
            long time = (long) reference * 256;
            Map<Integer, Long> arrivals = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                int s = symbols.get(i);
                assertThat(s).as("symbol %d", i).isNotEqualTo(3);
                if (s == 1) {
                    time += b.readUnsignedByte();
                } else if (s == 2) {
                    time += b.readShort();
                }
                if (s != 0) {
                    arrivals.put((base + i) & 0xFFFF, time);
                }
            }
            int used = b.readerIndex() - start;
            int length = (words + 1) * 4;
            assertThat(length - used).as("zero padding to 32 bits").isBetween(0, 3);
            while (b.readerIndex() - start < length) {
                assertThat((int) b.readByte()).as("padding byte").isZero();
            }
            return new Decoded(sender, media, base, count, reference, fbCount, arrivals, symbols, length);
        }

        /** A received packet's arrival in ticks, modulo the reference time's wrap (2^24 × 64 ms). */
        long arrivalTicks(int seq) {
            return Math.floorMod(arrivals.get(seq), (1L << 24) * 256);
        }
    }

    private static List<Decoded> drain(TransportCcFeedback fb) {
        List<Decoded> out = new ArrayList<>();
        ByteBuf buf = Unpooled.buffer();
        while (fb.write(buf)) {
            out.add(Decoded.of(buf));
            assertThat(buf.readableBytes()).isZero();
            buf.clear();
        }
        buf.release();
        return out;
    }

    private static long ticks(long nanos) {
        return Math.floorMod(Math.floorDiv(nanos, TICK), (1L << 24) * 256);
    }

    @Test
    void everyPacketArrivedTwentyMillisecondsApart() {
        TransportCcFeedback fb = new TransportCcFeedback(3, SENDER);
        long t0 = 5_000 * MS + 123_456;
        for (int i = 0; i < 10; i++) {
            fb.onPacket(100 + i, t0 + i * 20 * MS);
        }
        List<Decoded> sent = drain(fb);
        assertThat(sent).hasSize(1);
        Decoded d = sent.get(0);
        assertThat(d.senderSsrc()).isEqualTo(SENDER);
        assertThat(d.baseSeq()).isEqualTo(100);
        assertThat(d.statusCount()).isEqualTo(10);
        assertThat(d.referenceTime()).isEqualTo((int) (t0 / (64 * MS)));
        assertThat(d.symbols()).containsOnly(1); // 80 ticks each: small deltas
        for (int i = 0; i < 10; i++) {
            assertThat(d.arrivalTicks(100 + i)).isEqualTo(ticks(t0 + i * 20 * MS));
        }
        assertThat(drain(fb)).as("nothing new, nothing sent").isEmpty();
    }

    @Test
    void bytesOfOneFeedbackAsTheDraftLaysThemOut() {
        TransportCcFeedback fb = new TransportCcFeedback(3, SENDER);
        long ref = 1000L * 64 * MS; // reference time 1000 exactly
        fb.onPacket(7, ref + 4 * TICK);        // delta 4 from the reference time
        // 8 lost
        fb.onPacket(9, ref + 300 * TICK);      // delta 296: large
        fb.onPacket(10, ref + 301 * TICK);     // delta 1
        ByteBuf out = Unpooled.buffer();
        assertThat(fb.write(out)).isTrue();
        assertThat(ByteBufUtil.hexDump(out)).isEqualTo(hex("""
                8f cd 0006          // V=2 P=0 FMT=15, PT=205, length 6 words (28 bytes)
                11223344            // SSRC of packet sender
                00000000            // SSRC of media source (none seen through onPacket)
                0007 0004           // base sequence 7, status count 4
                0003e8 00           // reference time 1000, feedback packet count 0
                d240                // two-bit vector (T=1 S=1): small, lost, large, small, then 3 unused
                04 0128 01          // receive deltas: 4 (1 byte), 296 (2 bytes), 1 (1 byte)
                0000                // zero padding to 32 bits
                """));
        out.release();
    }

    @Test
    void lossesReceptionsLargeAndNegativeDeltasMixed() {
        TransportCcFeedback fb = new TransportCcFeedback(1, SENDER);
        long t = 77 * MS;
        Map<Integer, Long> expected = new LinkedHashMap<>();
        int seq = 40_000;
        // Received in order, a loss run of 30 (a run-length chunk), a 200 ms gap (large delta), then reordering.
        for (int i = 0; i < 20; i++) {
            t += 20 * MS;
            fb.onPacket(seq, t);
            expected.put(seq++, ticks(t));
        }
        seq += 30;
        t += 200 * MS;
        fb.onPacket(seq, t);
        expected.put(seq++, ticks(t));
        t += 5 * MS;
        fb.onPacket(seq + 1, t);            // the next-but-one arrives first...
        expected.put(seq + 1, ticks(t));
        t += 5 * MS;
        fb.onPacket(seq, t);                // ...so this one's delta from it is negative in sequence order
        expected.put(seq, ticks(t));
        seq += 2;
        for (int i = 0; i < 20; i++) {      // alternate received and lost: a vector, not a run
            t += 20 * MS;
            if (i % 3 != 1) {
                fb.onPacket(seq, t);
                expected.put(seq, ticks(t));
            }
            seq++;
        }
        List<Decoded> sent = drain(fb);
        assertThat(sent).hasSize(1);
        Decoded d = sent.get(0);
        assertThat(d.baseSeq()).isEqualTo(40_000);
        assertThat(d.statusCount()).isEqualTo(seq - 1 - 40_000); // ends at the last received
        assertThat(d.symbols()).contains(0, 1, 2);
        assertThat(d.arrivals().keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((s, ticks) -> assertThat(d.arrivalTicks(s)).as("seq %d", s).isEqualTo(ticks));
        for (int i = 0; i < 30; i++) {
            assertThat(d.symbols().get(20 + i)).as("lost %d", 40_020 + i).isZero();
        }
    }

    @Test
    void sequenceNumbersWrapAround() {
        TransportCcFeedback fb = new TransportCcFeedback(1, SENDER);
        long t = 10 * MS;
        for (int s = 65_530; s < 65_536 + 6; s++) {
            t += 20 * MS;
            if (s != 65_535) {
                fb.onPacket(s & 0xFFFF, t);
            }
        }
        Decoded d = drain(fb).get(0);
        assertThat(d.baseSeq()).isEqualTo(65_530);
        assertThat(d.statusCount()).isEqualTo(12);
        assertThat(d.arrivals()).doesNotContainKey(65_535).containsKeys(65_530, 65_534, 0, 5);
        // The next feedback goes on from 6.
        fb.onPacket(6, t + 20 * MS);
        assertThat(drain(fb).get(0).baseSeq()).isEqualTo(6);
    }

    @Test
    void theReferenceTimeWrapsAfterTwentyFourBits() {
        TransportCcFeedback fb = new TransportCcFeedback(1, SENDER);
        long wrap = (1L << 24) * 64 * MS;             // about 12.4 days
        long t = 3 * wrap - 100 * MS;                 // 100 ms before a wrap
        fb.onPacket(1, t);
        Decoded before = drain(fb).get(0);
        assertThat(before.referenceTime()).isEqualTo((1 << 24) - 2); // 64 ms units, the last but one
        fb.onPacket(2, t + 150 * MS);                 // 50 ms after the wrap
        Decoded after = drain(fb).get(0);
        assertThat(after.referenceTime()).isZero();
        assertThat(after.arrivalTicks(2)).isEqualTo(ticks(t + 150 * MS));
        // A reader unwraps the difference of the two reference times: +2 (128 ms), not -(2^24 - 2).
        int diff = (after.referenceTime() - before.referenceTime()) << 8 >> 8;
        assertThat(diff).isEqualTo(2);
        assertThat(after.fbCount()).isEqualTo(before.fbCount() + 1);
        // Negative clock readings (System.nanoTime may be) work the same.
        TransportCcFeedback negative = new TransportCcFeedback(1, SENDER);
        negative.onPacket(9, -5 * MS);
        assertThat(drain(negative).get(0).arrivalTicks(9)).isEqualTo(ticks(-5 * MS));
    }

    @Test
    void aPacketReportedLostThatArrivesLateIsReportedAgainAsReceived() {
        TransportCcFeedback fb = new TransportCcFeedback(1, SENDER);
        fb.onPacket(10, 100 * MS);
        fb.onPacket(12, 120 * MS);
        Decoded first = drain(fb).get(0);
        assertThat(first.arrivals()).containsOnlyKeys(10, 12);
        fb.onPacket(11, 130 * MS);                    // late
        fb.onPacket(13, 140 * MS);
        Decoded second = drain(fb).get(0);
        assertThat(second.baseSeq()).isEqualTo(11);
        assertThat(second.arrivals()).containsOnlyKeys(11, 12, 13);
        assertThat(second.arrivalTicks(11)).isEqualTo(ticks(130 * MS));
        // Duplicates keep their first arrival; far too old numbers are ignored.
        fb.onPacket(13, 150 * MS);
        assertThat(fb.pending()).isFalse();
        fb.onPacket(14 + TransportCcFeedback.RING, 160 * MS);
        fb.onPacket(14, 170 * MS);
        assertThat(fb.tooOld()).isEqualTo(1);
        // A late number 256 or more behind the newest is not reported again: one packet never costs two feedbacks.
        drain(fb);
        fb.onPacket(14 + TransportCcFeedback.RING + 300, 180 * MS);
        drain(fb);
        fb.onPacket(14 + TransportCcFeedback.RING + 300 - TransportCcFeedback.FLUSH_SPAN, 190 * MS);
        assertThat(fb.pending()).isFalse();
        assertThat(fb.tooOld()).isEqualTo(2);
        fb.onPacket(14 + TransportCcFeedback.RING + 300 - TransportCcFeedback.FLUSH_SPAN + 1, 200 * MS);
        assertThat(drain(fb)).hasSize(1);
    }

    @Test
    void onBoundsTheCallerIsToldToSendNowAndFeedbacksAreSplit() {
        TransportCcFeedback fb = new TransportCcFeedback(1, SENDER);
        long t = 0;
        int flushAt = -1;
        for (int s = 0; s < 600; s++) {
            t += MS;
            if (fb.onPacket(s, t) && flushAt < 0) {
                flushAt = s;
            }
        }
        assertThat(flushAt).as("told to flush once 256 are unreported").isEqualTo(TransportCcFeedback.FLUSH_SPAN - 1);
        List<Decoded> sent = drain(fb);
        assertThat(sent).hasSize(3);
        assertThat(sent).extracting(Decoded::statusCount).containsExactly(256, 256, 88);
        assertThat(sent).extracting(Decoded::baseSeq).containsExactly(0, 256, 512);
        assertThat(sent).extracting(Decoded::fbCount).containsExactly(0, 1, 2);
        assertThat(sent).allSatisfy(d -> assertThat(d.lengthBytes()).isLessThan(1100));
        for (Decoded d : sent) {
            d.arrivals().forEach((s, ticks) -> assertThat(d.arrivalTicks(s)).isEqualTo(ticks((s + 1) * MS)));
        }
    }

    @Test
    void aGapLongerThanASixteenBitDeltaStartsANewFeedback() {
        TransportCcFeedback fb = new TransportCcFeedback(1, SENDER);
        fb.onPacket(1, 1_000 * MS);
        fb.onPacket(2, 1_020 * MS);
        fb.onPacket(3, 11_020 * MS);                  // 10 s later: 40000 ticks, past int16
        List<Decoded> sent = drain(fb);
        assertThat(sent).extracting(Decoded::baseSeq).containsExactly(1, 3);
        assertThat(sent.get(1).arrivalTicks(3)).isEqualTo(ticks(11_020 * MS));
    }

    @Test
    void theFeedbackCountWrapsAtEightBits() {
        TransportCcFeedback fb = new TransportCcFeedback(1, SENDER);
        int last = -1;
        for (int i = 0; i < 300; i++) {
            fb.onPacket(i, i * 20 * MS);
            last = drain(fb).get(0).fbCount();
        }
        assertThat(last).isEqualTo(299 & 0xFF);
    }

    @Test
    void readsTheSequenceNumberFromTheNegotiatedExtensionAndAllocatesNothingPerPacket() {
        TransportCcFeedback fb = new TransportCcFeedback(3, SENDER);
        ByteBuf packet = Unpooled.buffer();
        packet.writeByte(0x90).writeByte(111).writeShort(1).writeInt(960).writeInt(0xCAFE); // V=2 X=1, PT, seq, ts, SSRC
        packet.writeShort(RtpPacket.ONE_BYTE_PROFILE).writeShort(1);
        packet.writeByte(3 << 4 | 1).writeShort(0xFFFE).writeByte(0); // id 3, 2 bytes: seq 65534
        packet.writeBytes(new byte[] {(byte) 0xF8, 1, 2});
        assertThat(fb.onRtp(packet, 40 * MS)).isFalse();
        Decoded d = drain(fb).get(0);
        assertThat(d.baseSeq()).isEqualTo(0xFFFE);
        assertThat(d.mediaSsrc()).isEqualTo(0xCAFEL);
        // A packet without the element is not recorded.
        TransportCcFeedback other = new TransportCcFeedback(4, SENDER);
        assertThat(other.onRtp(packet, 40 * MS)).isFalse();
        assertThat(other.pending()).isFalse();

        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) { // warm up (JIT)
            packet.setShort(17, i);
            fb.onRtp(packet, i * MS);
        }
        drain(fb);
        ByteBuf out = Unpooled.buffer(2048);
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            packet.setShort(17, 20_000 + i);
            fb.onRtp(packet, (20_000 + i) * MS);
            if (i % 5 == 4) {
                fb.write(out);
                out.clear();
            }
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(allocated).as("bytes allocated recording 100000 packets and writing 20000 feedbacks")
                .isLessThan(10_000);
        packet.release();
        out.release();
    }

    @Test
    void randomArrivalsAreReportedExactly() {
        Random random = new Random(12);
        for (int round = 0; round < 20; round++) {
            TransportCcFeedback fb = new TransportCcFeedback(1, SENDER);
            int seq = random.nextInt(65_536);
            long t = random.nextLong() >> 20;
            Map<Integer, Long> arrived = new LinkedHashMap<>();
            Map<Integer, Long> reported = new LinkedHashMap<>();
            List<int[]> held = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                t += random.nextInt(30) * MS + random.nextInt(1000) * 1000L;
                int s = seq++ & 0xFFFF;
                double r = random.nextDouble();
                if (r < 0.1) {
                    continue; // lost
                }
                if (r < 0.15) {
                    held.add(new int[] {s}); // delayed: arrives a few packets later
                    continue;
                }
                fb.onPacket(s, t);
                arrived.put(s, ticks(t));
                if (!held.isEmpty() && random.nextInt(3) == 0) {
                    int late = held.remove(0)[0];
                    t += MS;
                    fb.onPacket(late, t);
                    arrived.put(late, ticks(t));
                }
                if (random.nextInt(5) == 0) {
                    for (Decoded d : drain(fb)) {
                        d.arrivals().keySet().forEach(k -> reported.put(k, d.arrivalTicks(k)));
                    }
                }
            }
            for (Decoded d : drain(fb)) {
                d.arrivals().keySet().forEach(k -> reported.put(k, d.arrivalTicks(k)));
            }
            assertThat(reported).as("round %d", round).isEqualTo(arrived);
        }
    }

    @Test
    void badExtensionIdsAreRefused() {
        assertThatThrownBy(() -> new TransportCcFeedback(0, SENDER)).hasMessageContaining("1..255");
        assertThatThrownBy(() -> new TransportCcFeedback(256, SENDER)).hasMessageContaining("1..255");
    }

    /** Hex with {@code //} comments and spaces, as in PlayerRewriteTest. */
    private static String hex(String commented) {
        StringBuilder b = new StringBuilder();
        for (String line : commented.split("\n")) {
            int c = line.indexOf("//");
            b.append((c < 0 ? line : line.substring(0, c)).replaceAll("\\s+", ""));
        }
        return b.toString();
    }
}
