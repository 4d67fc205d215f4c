package io.parley.transcode;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/** CPU of FFmpeg's libopus encoder per second of 48 kHz mono voice-like audio, across modes (exploration aid). */
public final class OpusEncoderCost {
    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int secs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        short[] voice = TranscodeBenchmark.voiceLike(2, 3);
        String[][] variants = {
            {"voip", "5", ""}, {"voip", "5", "8000"}, {"voip", "5", "12000"}, {"voip", "3", "8000"}, {"voip", "0", ""},
            {"audio", "5", ""}, {"audio", "3", ""}, {"audio", "0", ""}, {"lowdelay", "5", ""}, {"lowdelay", "3", ""}, {"lowdelay", "10", ""},
        };
        for (int round = 0; round < 2; round++) {
            for (String[] v : variants) {
                Map<String, String> opts = new HashMap<>(Map.of("application", v[0], "frame_duration", "20", "compression_level", v[1]));
                if (!v[2].isEmpty()) {
                    opts.put("cutoff", v[2]);
                }
                try (AudioEncoder enc = new AudioEncoder("libopus", 48000, 1, org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16,
                    32000, -1, opts)) {
                    long[] bytes = new long[1];
                    org.bytedeco.javacpp.ShortPointer sp = new org.bytedeco.javacpp.ShortPointer(960);
                    org.bytedeco.javacpp.PointerPointer<?> pp = new org.bytedeco.javacpp.PointerPointer<>(1L).put(0, sp);
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (long n = 0; n < secs * 50L; n++) {
                        int off = (int) ((n * 960) % (voice.length - 960));
                        sp.put(voice, off, 960);
                        org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_write(enc.fifo(), pp, 960);
                        enc.encodeReady((d, p, du) -> bytes[0] += d.length);
                    }
                    if (round == 1) {
                        System.out.printf("libopus %-8s complexity %2s cutoff %-5s: %6.2f ms CPU per s, %5.1f kbit/s%n", v[0], v[1],
                            v[2].isEmpty() ? "-" : v[2], (mx.getCurrentThreadCpuTime() - t0) / 1e6 / secs, bytes[0] * 8 / 1000.0 / secs);
                    }
                }
            }
        }
    }
}
