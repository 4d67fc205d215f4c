package io.parley.transcode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OpusToAacTest {
    private static final double[] PROBES = {250, 500, 750, 1250, 1500, 2000, 3000, 4000, 6000};
    private static final long RTP0 = 0xFFFF_0000L; // close to the 32-bit wrap on purpose
    private static final int SEQ0 = 65_500; // and the 16-bit wrap

    private static void assertContinuous(List<AacFrame> out, int rate) {
        for (int i = 1; i < out.size(); i++) {
            long expected = Math.floorDiv((long) i * 1024 * 1000, rate) - Math.floorDiv((long) (i - 1) * 1024 * 1000, rate);
            assertThat(out.get(i).timestampMillis() - out.get(i - 1).timestampMillis()).as("step %d", i).isEqualTo(expected);
        }
    }

    private static void assertTone(float[] pcm, int rate, double minFraction) {
        int from = rate / 5;
        int to = pcm.length - rate / 5;
        assertThat(to - from).isGreaterThan(rate / 2);
        double fraction = ToneDetector.toneFraction(pcm, from, to, rate, 1000);
        double other = ToneDetector.worstOtherRatio(pcm, from, to, rate, 1000, PROBES);
        assertThat(fraction).as("share of power at 1 kHz").isGreaterThan(minFraction);
        assertThat(other).as("strongest other probe / 1 kHz").isLessThan(0.05);
    }

    @ParameterizedTest(name = "AAC {0} Hz, {1} channel(s), {2}")
    @CsvSource({"48000,1,FAST", "48000,2,FAST", "44100,1,FAST", "48000,1,TWOLOOP", "44100,2,TWOLOOP",
        "24000,1,FAST", "24000,2,FAST", "24000,1,TWOLOOP", "16000,1,FAST", "16000,2,FAST"})
    void sineSurvivesWithContinuousTimestamps(int rate, int channels, OpusToAac.AacCoder coder) throws Exception {
        double seconds = 2.0;
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, channels, seconds, 1000), channels, 32000 * channels, false);
        List<AacFrame> out = new ArrayList<>();
        byte[] asc;
        try (OpusToAac t = new OpusToAac(OpusToAac.Config.defaults().withSampleRate(rate).withChannels(channels).withAacCoder(coder))) {
            asc = t.audioSpecificConfig();
            for (int i = 0; i < opus.size(); i++) {
                out.addAll(t.push(opus.get(i), RTP0 + 960L * i, (SEQ0 + i) & 0xFFFF));
            }
            out.addAll(t.flush());
            assertThat(t.concealedSamples()).isZero();
            assertThat(t.discontinuities()).isZero();
        }
        assertThat(AudioSpecificConfig.parse(asc)).isEqualTo(new AudioSpecificConfig(2, rate, channels));
        assertThat(out.get(0).timestampMillis()).isZero();
        assertContinuous(out, rate);
        float[] pcm = TestAudio.decodeAac(asc, out.stream().map(AacFrame::raw).toList(), rate);
        // decoded length = input + the encoder's 1024-sample priming, + less than one frame of padding
        long input = Math.round(opus.size() * 960L * rate / 48000.0);
        assertThat((long) pcm.length - 1024).isBetween(input, input + 1024);
        assertTone(pcm, rate, 0.9);
    }

    private static OpusToAac.Config at(int rate) {
        return OpusToAac.Config.defaults().withSampleRate(rate);
    }

    /** Longest step between frame timestamps without a jump: one AAC frame, rounded up. */
    private static long frameMillis(int rate) {
        return (1024L * 1000 + rate - 1) / rate;
    }

    @Test
    void defaultsAre24kHzMono40kbps() throws Exception {
        OpusToAac.Config c = OpusToAac.Config.defaults();
        assertThat(c.sampleRate()).isEqualTo(24000);
        assertThat(c.channels()).isEqualTo(1);
        assertThat(c.bitrate()).isEqualTo(40000);
        try (OpusToAac t = new OpusToAac()) {
            assertThat(AudioSpecificConfig.parse(t.audioSpecificConfig())).isEqualTo(new AudioSpecificConfig(2, 24000, 1));
        }
    }

    @ParameterizedTest(name = "AAC {0} Hz")
    @ValueSource(ints = {48000, 44100, 24000, 16000})
    void fivePercentLossIsConcealedWithoutTimestampJumps(int rate) throws Exception {
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, 1, 3, 1000), 1, 32000, true);
        Random random = new Random(5);
        List<AacFrame> out = new ArrayList<>();
        int lost = 0;
        byte[] asc;
        try (OpusToAac t = new OpusToAac(at(rate))) {
            asc = t.audioSpecificConfig();
            for (int i = 0; i < opus.size(); i++) {
                boolean drop = i > 0 && i < opus.size() - 1 && random.nextDouble() < 0.05;
                if (i == 40 || i == 41 || i == 42) {
                    drop = true; // and one burst of 60 ms
                }
                if (drop) {
                    lost++;
                    continue;
                }
                out.addAll(t.push(opus.get(i), RTP0 + 960L * i, (SEQ0 + i) & 0xFFFF));
            }
            out.addAll(t.flush());
            assertThat(t.concealedSamples()).isEqualTo(960L * lost);
            assertThat(t.fecFrames()).isPositive();
            assertThat(t.discontinuities()).isZero();
        }
        assertThat(lost).isGreaterThan(opus.size() / 40);
        assertThat(out.get(0).timestampMillis()).isZero();
        assertContinuous(out, rate);
        float[] pcm = TestAudio.decodeAac(asc, out.stream().map(AacFrame::raw).toList(), rate);
        long input = Math.round(opus.size() * 960L * rate / 48000.0);
        assertThat((long) pcm.length - 1024).isBetween(input, input + 1024);
        assertTone(pcm, rate, 0.8);
    }

    @ParameterizedTest(name = "AAC {0} Hz")
    @ValueSource(ints = {48000, 24000, 16000})
    void lateAndDuplicatePacketsAreDroppedAndCounted(int rate) throws Exception {
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, 1, 1, 1000), 1, 32000, false);
        List<AacFrame> out = new ArrayList<>();
        try (OpusToAac t = new OpusToAac(at(rate))) {
            for (int i = 0; i < opus.size(); i++) {
                out.addAll(t.push(opus.get(i), RTP0 + 960L * i, (SEQ0 + i) & 0xFFFF));
                if (i == 10) {
                    out.addAll(t.push(opus.get(i), RTP0 + 960L * i, (SEQ0 + i) & 0xFFFF)); // duplicate
                }
                if (i == 20) {
                    out.addAll(t.push(opus.get(i - 3), RTP0 + 960L * (i - 3), (SEQ0 + i - 3) & 0xFFFF)); // late
                }
            }
            assertThat(t.lateOrDuplicatePackets()).isEqualTo(2);
            assertThat(t.concealedSamples()).isZero();
        }
        assertContinuous(out, rate);
    }

    @ParameterizedTest(name = "AAC {0} Hz")
    @ValueSource(ints = {48000, 24000, 16000})
    void longGapIsADiscontinuityNotSynthesized(int rate) throws Exception {
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, 1, 2, 1000), 1, 32000, false);
        List<AacFrame> out = new ArrayList<>();
        try (OpusToAac t = new OpusToAac(at(rate))) {
            for (int i = 0; i < opus.size(); i++) {
                if (i >= 30 && i < 55) {
                    continue; // 500 ms lost
                }
                out.addAll(t.push(opus.get(i), RTP0 + 960L * i, (SEQ0 + i) & 0xFFFF));
            }
            assertThat(t.discontinuities()).isEqualTo(1);
            assertThat(t.concealedSamples()).isZero();
        }
        int jumps = 0;
        for (int i = 1; i < out.size(); i++) {
            long d = out.get(i).timestampMillis() - out.get(i - 1).timestampMillis();
            assertThat(d).isPositive();
            if (d > frameMillis(rate)) {
                jumps++;
                assertThat(d).isBetween(500L, 500L + 2 * frameMillis(rate));
            }
        }
        assertThat(jumps).isEqualTo(1);
    }

    @ParameterizedTest(name = "AAC {0} Hz")
    @ValueSource(ints = {48000, 24000, 16000})
    void dtxGapWithinLimitIsConcealed(int rate) throws Exception {
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, 1, 1, 1000), 1, 32000, false);
        List<AacFrame> out = new ArrayList<>();
        try (OpusToAac t = new OpusToAac(at(rate))) {
            for (int i = 0; i < opus.size(); i++) {
                // consecutive sequence numbers, but RTP time skips 100 ms after packet 20 (discontinuous transmission)
                long rtp = RTP0 + 960L * i + (i > 20 ? 4800 : 0);
                out.addAll(t.push(opus.get(i), rtp, (SEQ0 + i) & 0xFFFF));
            }
            assertThat(t.concealedSamples()).isEqualTo(4800);
            assertThat(t.fecFrames()).isZero();
        }
        assertContinuous(out, rate);
        // 1 s of packets + 100 ms concealed, less the encoder's 1024-sample priming and the unflushed partial frame
        long samples = (long) out.size() * 1024;
        assertThat(samples).isBetween(rate * 11L / 10 - 2048, rate * 11L / 10);
    }

    @ParameterizedTest(name = "AAC {0} Hz")
    @ValueSource(ints = {48000, 24000})
    void malformedPayloadsAreCountedAndTheStreamGoesOn(int rate) throws Exception {
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, 1, 2, 1000), 1, 32000, false);
        Random random = new Random(3);
        List<AacFrame> out = new ArrayList<>();
        Set<Integer> junkAt = Set.of(7, 20, 33, 60, 61);
        byte[] asc;
        try (OpusToAac t = new OpusToAac(at(rate))) {
            asc = t.audioSpecificConfig();
            for (int i = 0; i < opus.size(); i++) {
                byte[] payload = opus.get(i);
                if (junkAt.contains(i)) {
                    payload = new byte[random.nextInt(300)];
                    random.nextBytes(payload);
                }
                out.addAll(t.push(payload, RTP0 + 960L * i, (SEQ0 + i) & 0xFFFF));
            }
            // random bytes are sometimes valid Opus (the TOC byte is all there is to check); whatever is not is counted
            assertThat(t.malformedPackets()).isLessThanOrEqualTo(junkAt.size());
            assertThat(t.discontinuities()).isZero();
            // a thousand more random payloads: nothing crashes, the object stays usable
            for (int i = 0; i < 1000; i++) {
                byte[] junk = new byte[random.nextInt(1500)];
                random.nextBytes(junk);
                t.push(junk, RTP0 + 960L * (opus.size() + i), (SEQ0 + opus.size() + i) & 0xFFFF);
            }
            assertThat(t.packetsIn()).isEqualTo(opus.size() + 1000L);
        }
        assertContinuous(out, rate);
        float[] pcm = TestAudio.decodeAac(asc, out.stream().map(AacFrame::raw).toList(), rate);
        assertThat(ToneDetector.toneFraction(pcm, rate / 5, rate / 5 + rate / 2, rate, 1000)).isGreaterThan(0.8);
    }

    @Test
    void byteBufInputAndResetOnReconnect() throws Exception {
        List<byte[]> opus = TestAudio.encodeOpus(TestAudio.sine(48000, 1, 1, 1000), 1, 32000, false);
        List<AacFrame> out = new ArrayList<>();
        try (OpusToAac t = new OpusToAac()) {
            for (int i = 0; i < opus.size(); i++) {
                ByteBuf buf = (i % 2 == 0) ? Unpooled.directBuffer() : Unpooled.buffer();
                try {
                    buf.writeBytes(opus.get(i));
                    out.addAll(t.push(buf, RTP0 + 960L * i, i));
                    assertThat(buf.readableBytes()).isEqualTo(opus.get(i).length);
                } finally {
                    buf.release();
                }
            }
            out.addAll(t.reset());
            long before = out.get(out.size() - 1).timestampMillis();
            // the new publisher: unrelated sequence numbers and timestamps
            for (int i = 0; i < opus.size(); i++) {
                out.addAll(t.push(opus.get(i), 777L + 960L * i, 30_000 + i));
            }
            assertThat(t.lateOrDuplicatePackets()).isZero();
            assertThat(out.get(out.size() - 1).timestampMillis()).isGreaterThan(before);
        }
        for (int i = 1; i < out.size(); i++) {
            assertThat(out.get(i).timestampMillis()).isGreaterThan(out.get(i - 1).timestampMillis());
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        OpusToAac t = new OpusToAac();
        t.close();
        t.close();
        assertThatThrownBy(() -> t.push(new byte[] {(byte) 0xF8}, 0, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new OpusToAac.Config(64000, 32000, 1, 200, true, OpusToAac.AacCoder.FAST)).isInstanceOf(IllegalArgumentException.class);
    }
}
