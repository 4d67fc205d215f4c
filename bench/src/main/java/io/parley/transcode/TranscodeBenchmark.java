package io.parley.transcode;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * CPU cost of transcoding one second of audio on one thread, each way, with long-lived transcoders in steady state
 * (timestamps keep running across invocations, as for a live stream). The score is milliseconds of CPU per second of
 * audio, so one core holds about {@code 1000 / score} concurrent streams in that direction.
 *
 * <p>The input is voice-like rather than a sine (which codecs find unrealistically cheap): a 150 Hz harmonic series
 * with vibrato and a 4 Hz syllable envelope, plus noise. AAC input is made by {@link OpusToAac} itself at the
 * {@code aacRate} under test (44.1 kHz is what WeChat pushes by default, and needs resampling to 48 kHz).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TranscodeBenchmark {

    static short[] voiceLike(int seconds, long seed) {
        int n = 48000 * seconds;
        short[] out = new short[n];
        Random random = new Random(seed);
        double phase = 0;
        for (int i = 0; i < n; i++) {
            double t = i / 48000.0;
            double f0 = 150 + 12 * Math.sin(2 * Math.PI * 5 * t);
            phase += 2 * Math.PI * f0 / 48000;
            double v = 0;
            for (int h = 1; h <= 20; h++) {
                v += Math.sin(h * phase) / h;
            }
            double envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
            v = 0.25 * v * envelope + 0.02 * random.nextGaussian();
            out[i] = (short) Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
        }
        return out;
    }

    static List<byte[]> opusPackets(short[] pcm) throws Exception {
        OpusEncoder enc = new OpusEncoder(48000, 1, OpusApplication.OPUS_APPLICATION_VOIP);
        enc.setBitrate(32000);
        List<byte[]> out = new ArrayList<>();
        byte[] buf = new byte[1500];
        for (int i = 0; i + 960 <= pcm.length; i += 960) {
            int len = enc.encode(pcm, i, 960, buf, 0, buf.length);
            out.add(Arrays.copyOf(buf, len));
        }
        return out;
    }

    @State(Scope.Thread)
    public static class AacIn {
        @Param({"44100", "48000"})
        int aacRate;

        @Param({"AUDIO"})
        String application;

        @Param({"3"})
        int opusComplexity;

        byte[] asc;
        List<byte[]> frames; // exactly one second is frames.size() * 1024 / aacRate; we loop over these
        AacToOpus transcoder;
        long frameIndex;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            List<byte[]> opus = opusPackets(voiceLike(2, 1));
            frames = new ArrayList<>();
            try (OpusToAac maker = new OpusToAac(OpusToAac.Config.defaults().withSampleRate(aacRate).withBitrate(64000))) {
                asc = maker.audioSpecificConfig();
                for (int i = 0; i < opus.size(); i++) {
                    for (AacFrame f : maker.push(opus.get(i), 960L * i, i)) {
                        frames.add(f.raw());
                    }
                }
            }
            // keep whole frames worth one second (+ the remainder carried by frameIndex)
            transcoder = new AacToOpus(asc, AacToOpus.Config.defaults().withApplication(AacToOpus.Application.valueOf(application)).withComplexity(opusComplexity));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            transcoder.close();
        }
    }

    @State(Scope.Thread)
    public static class OpusIn {
        @Param({"48000", "44100"})
        int aacRate;

        @Param({"FAST"})
        String aacCoder;

        List<byte[]> packets;
        OpusToAac transcoder;
        long packetIndex;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            packets = opusPackets(voiceLike(2, 2));
            transcoder = new OpusToAac(OpusToAac.Config.defaults().withSampleRate(aacRate).withAacCoder(OpusToAac.AacCoder.valueOf(aacCoder)));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            transcoder.close();
        }
    }

    /** One second of AAC (the frames covering 1000 ms at the input rate) to Opus. */
    @Benchmark
    public void aacToOpusOneSecond(AacIn s, Blackhole bh) {
        int perSecond = (int) Math.round(s.aacRate / 1024.0); // 43 frames = 0.9985 s at 44.1 kHz, 47 = 1.003 s at 48
        for (int i = 0; i < perSecond; i++) {
            long n = s.frameIndex++;
            byte[] f = s.frames.get((int) (n % s.frames.size()));
            s.transcoder.push(f, 0, f.length, Math.round(n * 1024 * 1000.0 / s.aacRate), bh::consume);
        }
    }

    /** One second of Opus (50 packets of 20 ms) to AAC. */
    @Benchmark
    public void opusToAacOneSecond(OpusIn s, Blackhole bh) {
        for (int i = 0; i < 50; i++) {
            long n = s.packetIndex++;
            byte[] p = s.packets.get((int) (n % s.packets.size()));
            s.transcoder.push(p, 0, p.length, 960L * n, (int) n, bh::consume);
        }
    }
}
