package io.parley.transcode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AacToOpusTest {
    private static final double[] PROBES = {250, 500, 750, 1250, 1500, 2000, 3000, 4000, 6000};

    /** Pushes every frame with timestamps from the sample count (as an FLV muxer would write them), from t0. */
    private static List<OpusFrame> pushAll(AacToOpus t, TestAudio.Encoded aac, long t0) {
        List<OpusFrame> out = new ArrayList<>();
        for (int i = 0; i < aac.frames().size(); i++) {
            long ts = t0 + Math.round(i * 1024 * 1000.0 / aac.sampleRate());
            out.addAll(t.push(aac.frames().get(i), ts));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} Hz, {1} channel(s), {2} complexity {3}")
    @CsvSource({"16000,1,AUDIO,3", "16000,2,AUDIO,3", "22050,1,AUDIO,3", "32000,2,AUDIO,3", "44100,1,AUDIO,3",
        "44100,2,AUDIO,3", "48000,1,AUDIO,3", "48000,2,AUDIO,3", "44100,1,VOIP,10", "16000,1,VOIP,5", "48000,2,LOW_DELAY,5"})
    void sineSurvivesAndTimestampsAreContinuous(int rate, int channels, AacToOpus.Application app, int complexity) throws Exception {
        double seconds = 2.0;
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(rate, channels, seconds, 1000), rate, channels);
        assertThat(AudioSpecificConfig.parse(aac.asc())).isEqualTo(new AudioSpecificConfig(2, rate, channels));
        long t0 = 123_456;
        List<OpusFrame> out;
        try (AacToOpus t = new AacToOpus(aac.asc(), AacToOpus.Config.defaults().withApplication(app).withComplexity(complexity))) {
            out = pushAll(t, aac, t0);
            out.addAll(t.flush());
            assertThat(t.malformedFrames()).isZero();
            assertThat(t.resyncs()).isZero();
            assertThat(t.packetsOut()).isEqualTo(out.size());
        }
        assertThat(out).isNotEmpty();
        assertThat(out).allSatisfy(f -> {
            assertThat(f.samples()).isEqualTo(960);
            assertThat(f.payload().length).isBetween(1, 1275);
        });
        assertThat(out.get(0).rtpTimestamp()).isEqualTo(t0 * 48);
        for (int i = 1; i < out.size(); i++) {
            assertThat(out.get(i).rtpTimestamp() - out.get(i - 1).rtpTimestamp()).as("packet %d", i).isEqualTo(960);
        }
        // every input sample (AAC frames × 1024, including the encoder's priming frame) is in the output, + < 1 packet
        long inputSamples48k = (long) aac.frames().size() * 1024 * 48000 / rate;
        assertThat((long) out.size() * 960).isBetween(inputSamples48k, inputSamples48k + 2 * 960);

        List<byte[]> payloads = out.stream().map(OpusFrame::payload).toList();
        float[] pcm = TestAudio.decodeOpus(payloads);
        assertThat(pcm.length).isEqualTo(out.size() * 960);
        int from = 9600; // skip 200 ms of start-up (AAC priming, resampler and Opus ramp-up)
        int to = from + 48000;
        double fraction = ToneDetector.toneFraction(pcm, from, to, 48000, 1000);
        double other = ToneDetector.worstOtherRatio(pcm, from, to, 48000, 1000, PROBES);
        assertThat(fraction).as("share of power at 1 kHz").isGreaterThan(0.9);
        assertThat(other).as("strongest other probe / 1 kHz").isLessThan(0.01);
        // level preserved within 3 dB (sine amplitude 0.5 → power 0.125)
        assertThat(ToneDetector.power(pcm, from, to, 48000, 1000)).isBetween(0.125 / 2, 0.125 * 2);
    }

    @Test
    void stereoConfigEmitsStereoOpus() throws Exception {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(44100, 2, 0.5, 1000), 44100, 2);
        try (AacToOpus t = new AacToOpus(aac.asc(), AacToOpus.Config.defaults().withChannels(2).withBitrate(64000))) {
            List<OpusFrame> out = pushAll(t, aac, 0);
            assertThat(out).isNotEmpty();
            assertThat(io.github.jaredmdobson.concentus.OpusPacketInfo.getNumEncodedChannels(out.get(5).payload(), 0)).isEqualTo(2);
        }
    }

    @Test
    void byteBufInputHeapAndDirect() {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(48000, 1, 0.5, 1000), 48000, 1);
        List<OpusFrame> viaArray;
        List<OpusFrame> viaBuf = new ArrayList<>();
        try (AacToOpus t = new AacToOpus(aac.asc())) {
            viaArray = pushAll(t, aac, 0);
        }
        try (AacToOpus t = new AacToOpus(aac.asc())) {
            for (int i = 0; i < aac.frames().size(); i++) {
                byte[] f = aac.frames().get(i);
                ByteBuf buf = (i % 2 == 0) ? Unpooled.directBuffer(f.length) : Unpooled.buffer(f.length + 3);
                try {
                    if (i % 2 == 1) {
                        buf.writeBytes(new byte[3]).readerIndex(3);
                    }
                    buf.writeBytes(f);
                    viaBuf.addAll(t.push(buf, Math.round(i * 1024 / 48.0)));
                    assertThat(buf.readableBytes()).isEqualTo(f.length);
                } finally {
                    buf.release();
                }
            }
        }
        assertThat(viaBuf).hasSameSizeAs(viaArray);
        for (int i = 0; i < viaBuf.size(); i++) {
            assertThat(viaBuf.get(i).payload()).isEqualTo(viaArray.get(i).payload());
            assertThat(viaBuf.get(i).rtpTimestamp()).isEqualTo(viaArray.get(i).rtpTimestamp());
        }
    }

    @Test
    void smallTimestampJitterDoesNotResync() {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(44100, 1, 2, 1000), 44100, 1);
        Random random = new Random(1);
        List<OpusFrame> out = new ArrayList<>();
        try (AacToOpus t = new AacToOpus(aac.asc())) {
            for (int i = 0; i < aac.frames().size(); i++) {
                long ts = Math.round(i * 1024 * 1000.0 / 44100) + random.nextInt(81) - 40; // ±40 ms jitter
                out.addAll(t.push(aac.frames().get(i), Math.max(0, ts)));
            }
            assertThat(t.resyncs()).isZero();
        }
        for (int i = 1; i < out.size(); i++) {
            assertThat(out.get(i).rtpTimestamp() - out.get(i - 1).rtpTimestamp()).isEqualTo(960);
        }
    }

    @Test
    void forwardJumpResyncsAndBackwardJumpStaysMonotonic() {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(48000, 1, 1.5, 1000), 48000, 1);
        List<OpusFrame> out = new ArrayList<>();
        try (AacToOpus t = new AacToOpus(aac.asc())) {
            int n = aac.frames().size();
            for (int i = 0; i < n; i++) {
                long ts = Math.round(i * 1024 / 48.0);
                if (i >= n / 3) {
                    ts += 5000; // a 5 s forward jump
                }
                if (i >= 2 * n / 3) {
                    ts -= 20_000; // then a jump 15 s behind the start
                }
                out.addAll(t.push(aac.frames().get(i), ts));
            }
            assertThat(t.resyncs()).isEqualTo(2);
        }
        int jumps = 0;
        for (int i = 1; i < out.size(); i++) {
            long d = out.get(i).rtpTimestamp() - out.get(i - 1).rtpTimestamp();
            assertThat(d).as("rtp step at %d", i).isGreaterThanOrEqualTo(960);
            if (d != 960) {
                jumps++;
                assertThat(d).isBetween(5000L * 48 - 960, 5000L * 48 + 960);
            }
        }
        assertThat(jumps).isEqualTo(1);
    }

    @Test
    void resetOnReconnectKeepsRtpMonotonic() {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(44100, 1, 1, 1000), 44100, 1);
        TestAudio.Encoded aac48 = TestAudio.encodeAac(TestAudio.sine(48000, 2, 1, 1000), 48000, 2);
        try (AacToOpus t = new AacToOpus(aac.asc())) {
            List<OpusFrame> first = pushAll(t, aac, 10_000);
            t.reset();
            List<OpusFrame> second = pushAll(t, aac, 0); // the new publisher's clock starts at 0
            assertThat(second.get(0).rtpTimestamp()).isGreaterThan(first.get(first.size() - 1).rtpTimestamp());
            t.reset(aac48.asc()); // and a reconnect with another config
            List<OpusFrame> third = pushAll(t, aac48, 0);
            assertThat(third.get(0).rtpTimestamp()).isGreaterThan(second.get(second.size() - 1).rtpTimestamp());
            assertThat(t.inputConfig().sampleRate()).isEqualTo(48000);
            for (List<OpusFrame> part : List.of(first, second, third)) {
                for (int i = 1; i < part.size(); i++) {
                    assertThat(part.get(i).rtpTimestamp() - part.get(i - 1).rtpTimestamp()).isEqualTo(960);
                }
            }
        }
    }

    @Test
    void badAudioSpecificConfigIsATypedException() {
        assertThatThrownBy(() -> new AacToOpus(new byte[0])).isInstanceOf(TranscodeException.class);
        assertThatThrownBy(() -> new AacToOpus(new byte[] {0x12})).isInstanceOf(TranscodeException.class);
        // object type 1 (AAC main)
        assertThatThrownBy(() -> new AacToOpus(new byte[] {0x0A, 0x08})).isInstanceOf(TranscodeException.class);
        // AAC-LC, reserved frequency index 13
        assertThatThrownBy(() -> new AacToOpus(new byte[] {0x16, (byte) 0x88})).isInstanceOf(TranscodeException.class);
        // AAC-LC 44.1 kHz with 6 channels
        assertThatThrownBy(() -> new AacToOpus(new byte[] {0x12, 0x30})).isInstanceOf(TranscodeException.class);
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[random.nextInt(8)];
            random.nextBytes(junk);
            try (AacToOpus t = new AacToOpus(junk)) {
                t.push(new byte[] {1, 2, 3}, 0); // a config that parses must still not crash on junk frames
            } catch (TranscodeException expected) {
                // fine
            }
        }
    }

    @Test
    void malformedFramesAreCountedAndTheStreamGoesOn() throws Exception {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(44100, 1, 2, 1000), 44100, 1);
        Random random = new Random(42);
        List<OpusFrame> out = new ArrayList<>();
        try (AacToOpus t = new AacToOpus(aac.asc())) {
            int n = aac.frames().size();
            for (int i = 0; i < n; i++) {
                long ts = Math.round(i * 1024 * 1000.0 / 44100);
                if (i > 5 && i < 25) {
                    byte[] junk = new byte[1 + random.nextInt(400)];
                    random.nextBytes(junk);
                    out.addAll(t.push(junk, ts));
                } else {
                    out.addAll(t.push(aac.frames().get(i), ts));
                }
            }
            assertThat(t.framesIn()).isEqualTo(n);
            assertThat(t.resyncs()).isZero();
        }
        for (int i = 1; i < out.size(); i++) {
            assertThat(out.get(i).rtpTimestamp() - out.get(i - 1).rtpTimestamp()).isEqualTo(960);
        }
        float[] pcm = TestAudio.decodeOpus(out.stream().map(OpusFrame::payload).toList());
        assertThat(ToneDetector.toneFraction(pcm, 48000, 48000 + 38400, 48000, 1000)).isGreaterThan(0.9);
        try (AacToOpus t = new AacToOpus(aac.asc())) {
            t.push(new byte[0], 0);
            assertThat(t.malformedFrames()).isEqualTo(1);
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        TestAudio.Encoded aac = TestAudio.encodeAac(TestAudio.sine(48000, 1, 0.1, 1000), 48000, 1);
        AacToOpus t = new AacToOpus(aac.asc());
        t.push(aac.frames().get(0), 0);
        t.close();
        t.close();
        assertThatThrownBy(() -> t.push(aac.frames().get(1), 21)).isInstanceOf(IllegalStateException.class);
    }
}
