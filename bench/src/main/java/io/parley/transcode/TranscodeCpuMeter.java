package io.parley.transcode;

import io.github.jaredmdobson.concentus.OpusDecoder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;

/**
 * Thread-CPU-time companion of {@link TranscodeBenchmark}: on a shared machine, wall-clock scores include time the
 * thread spent waiting for a core; this measures the CPU the transcoding thread itself used, per second of audio.
 * Run: {@code java -cp bench/target/benchmarks.jar io.parley.transcode.TranscodeCpuMeter [seconds]}.
 */
public final class TranscodeCpuMeter {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        List<byte[]> opus = TranscodeBenchmark.opusPackets(TranscodeBenchmark.voiceLike(2, 2));
        for (int round = 0; round < 2; round++) { // round 0 is the warm-up
            boolean print = round == 1;
            int secs = print ? seconds : 20;
            for (int rate : new int[] {44100, 48000}) {
                for (String[] mode : new String[][] {{"AUDIO", "3"}, {"AUDIO", "5"}, {"VOIP", "5"}, {"VOIP", "10"}}) {
                    String application = mode[0];
                    int complexity = Integer.parseInt(mode[1]);
                    TranscodeBenchmark.AacIn s = new TranscodeBenchmark.AacIn();
                    s.aacRate = rate;
                    s.opusComplexity = complexity;
                    s.application = application;
                    s.setUp();
                    long t0 = MX.getCurrentThreadCpuTime();
                    long frames = Math.round(secs * rate / 1024.0);
                    long[] sink = new long[1];
                    for (long n = 0; n < frames; n++) {
                        byte[] f = s.frames.get((int) (n % s.frames.size()));
                        s.transcoder.push(f, 0, f.length, Math.round(n * 1024 * 1000.0 / rate), o -> sink[0] += o.payload().length);
                    }
                    double ms = (MX.getCurrentThreadCpuTime() - t0) / 1e6 / (frames * 1024.0 / rate);
                    s.tearDown();
                    if (print) {
                        System.out.printf("AAC %d Hz -> Opus (%s, complexity %d): %.2f ms CPU per s of audio -> %.0f streams/core%n",
                            rate, application, complexity, ms, 1000 / ms);
                    }
                }
            }
            // {rate, bitrate, coder}: the old default (48 kHz, 64 kbit/s), then the lower rates (24 kHz, 40 kbit/s is the default)
            int[][] opusToAac = {{48000, 64000, 0}, {44100, 64000, 0}, {48000, 64000, 1}, {44100, 64000, 1},
                {24000, 32000, 0}, {24000, 40000, 0}, {24000, 48000, 0}, {16000, 32000, 0}, {24000, 40000, 1}};
            for (int[] cfg : opusToAac) {
                int rate = cfg[0];
                int bitrate = cfg[1];
                OpusToAac.AacCoder coder = OpusToAac.AacCoder.values()[cfg[2]];
                {
                    try (OpusToAac t = new OpusToAac(OpusToAac.Config.defaults().withSampleRate(rate).withBitrate(bitrate).withAacCoder(coder))) {
                        long t0 = MX.getCurrentThreadCpuTime();
                        long packets = secs * 50L;
                        long[] sink = new long[1];
                        for (long n = 0; n < packets; n++) {
                            byte[] p = opus.get((int) (n % opus.size()));
                            t.push(p, 0, p.length, 960L * n, (int) n, a -> sink[0] += a.raw().length);
                        }
                        double ms = (MX.getCurrentThreadCpuTime() - t0) / 1e6 / (packets / 50.0);
                        if (print) {
                            System.out.printf("Opus -> AAC %d Hz %d kbit/s (aac_coder %s): %.2f ms CPU per s of audio -> %.0f streams/core%n",
                                rate, bitrate / 1000, coder, ms, 1000 / ms);
                        }
                    }
                }
            }
            // components
            short[] pcm = new short[5760];
            long t0;
            for (int decRate : new int[] {48000, 24000, 16000}) {
                OpusDecoder dec = new OpusDecoder(decRate, 1);
                t0 = MX.getCurrentThreadCpuTime();
                for (long n = 0; n < secs * 50L; n++) {
                    byte[] p = opus.get((int) (n % opus.size()));
                    dec.decode(p, 0, p.length, pcm, 0, 5760, false);
                }
                if (print) {
                    System.out.printf("  component: Concentus Opus decode at %d Hz: %.2f ms CPU per s%n", decRate,
                        (MX.getCurrentThreadCpuTime() - t0) / 1e6 / secs);
                }
            }
            for (int complexity : new int[] {0, 3, 5, 10}) {
                short[] voice = TranscodeBenchmark.voiceLike(2, 3);
                try (AudioEncoder enc = new AudioEncoder("libopus", 48000, 1, org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16,
                    32000, -1, Map.of("application", "voip", "frame_duration", "20", "compression_level", Integer.toString(complexity)))) {
                    long[] sink = new long[1];
                    org.bytedeco.javacpp.ShortPointer sp = new org.bytedeco.javacpp.ShortPointer(960);
                    org.bytedeco.javacpp.PointerPointer<?> pp = new org.bytedeco.javacpp.PointerPointer<>(1L).put(0, sp);
                    t0 = MX.getCurrentThreadCpuTime();
                    for (long n = 0; n < secs * 50L; n++) {
                        int off = (int) ((n * 960) % (voice.length - 960));
                        sp.put(voice, off, 960);
                        org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_write(enc.fifo(), pp, 960);
                        enc.encodeReady((d, p, du) -> sink[0] += d.length);
                    }
                    if (print) {
                        System.out.printf("  component: FFmpeg libopus encode (complexity %d): %.2f ms CPU per s%n", complexity,
                            (MX.getCurrentThreadCpuTime() - t0) / 1e6 / secs);
                    }
                }
                io.github.jaredmdobson.concentus.OpusEncoder ce = new io.github.jaredmdobson.concentus.OpusEncoder(48000, 1,
                    io.github.jaredmdobson.concentus.OpusApplication.OPUS_APPLICATION_VOIP);
                ce.setBitrate(32000);
                ce.setComplexity(complexity);
                byte[] obuf = new byte[1500];
                t0 = MX.getCurrentThreadCpuTime();
                for (long n = 0; n < secs * 50L; n++) {
                    int off = (int) ((n * 960) % (voice.length - 960));
                    ce.encode(voice, off, 960, obuf, 0, obuf.length);
                }
                if (print) {
                    System.out.printf("  component: Concentus encode (complexity %d): %.2f ms CPU per s%n", complexity,
                        (MX.getCurrentThreadCpuTime() - t0) / 1e6 / secs);
                }
            }
            {
                TranscodeBenchmark.AacIn s = new TranscodeBenchmark.AacIn();
                s.aacRate = 44100;
                s.opusComplexity = 3;
                s.application = "AUDIO";
                s.setUp();
                s.tearDown();
                try (AacDecoder d = new AacDecoder(s.asc)) {
                    long[] sink = new long[1];
                    t0 = MX.getCurrentThreadCpuTime();
                    long frames = Math.round(secs * 44100 / 1024.0);
                    for (long n = 0; n < frames; n++) {
                        byte[] f = s.frames.get((int) (n % s.frames.size()));
                        d.decode(f, 0, f.length, fr -> sink[0] += fr.nb_samples());
                    }
                    if (print) {
                        System.out.printf("  component: FFmpeg AAC decode 44.1 kHz: %.2f ms CPU per s%n", (MX.getCurrentThreadCpuTime() - t0) / 1e6 / secs);
                    }
                }
            }
            try (Resampler r = new Resampler(1, org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16, 44100, 1,
                org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16, 48000)) {
                org.bytedeco.ffmpeg.avutil.AVAudioFifo fifo = org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_alloc(
                    org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16, 1, 1 << 16);
                short[] voice = TranscodeBenchmark.voiceLike(2, 3);
                t0 = MX.getCurrentThreadCpuTime();
                for (long n = 0; n < Math.round(secs * 44100 / 1024.0); n++) {
                    System.arraycopy(voice, (int) ((n * 1024) % (voice.length - 1024)), pcm, 0, 1024);
                    r.convertShorts(pcm, 1024, fifo);
                    org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_reset(fifo);
                }
                if (print) {
                    System.out.printf("  component: swr 44.1 -> 48 kHz mono: %.2f ms CPU per s%n", (MX.getCurrentThreadCpuTime() - t0) / 1e6 / secs);
                }
                org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_free(fifo);
            }
            for (String coder : new String[] {"twoloop", "fast"}) {
                try (Resampler r = new Resampler(1, org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16, 48000, 1,
                    org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP, 48000);
                     AudioEncoder enc = new AudioEncoder("aac", 48000, 1, org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP,
                         64000, org.bytedeco.ffmpeg.global.avcodec.AV_PROFILE_AAC_LOW, Map.of("aac_coder", coder))) {
                    short[] voice = TranscodeBenchmark.voiceLike(2, 3);
                    long[] sink = new long[1];
                    t0 = MX.getCurrentThreadCpuTime();
                    for (long n = 0; n < secs * 50L; n++) {
                        int off = (int) ((n * 960) % (voice.length - 960));
                        System.arraycopy(voice, off, pcm, 0, 960);
                        r.convertShorts(pcm, 960, enc.fifo());
                        enc.encodeReady((d, p, du) -> sink[0] += d.length);
                    }
                    if (print) {
                        System.out.printf("  component: swr + FFmpeg aac encode (%s): %.2f ms CPU per s%n", coder,
                            (MX.getCurrentThreadCpuTime() - t0) / 1e6 / secs);
                    }
                }
            }
        }
    }
}
