package io.parley.transcode;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PROFILE_AAC_LOW;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_free;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_read;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_size;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.avutil.AVAudioFifo;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

/** Test signal generation, encoding and decoding with the same libraries (in-process; no ffmpeg CLI). */
final class TestAudio {
    private TestAudio() {}

    record Encoded(byte[] asc, List<byte[]> frames, int sampleRate, int channels) {}

    /** Interleaved 16-bit sine, amplitude 0.5 full scale, same on every channel. */
    static short[] sine(int rate, int channels, double seconds, double freq) {
        int n = (int) Math.round(rate * seconds);
        short[] out = new short[n * channels];
        for (int i = 0; i < n; i++) {
            short v = (short) Math.round(16384 * Math.sin(2 * Math.PI * freq * i / rate));
            for (int c = 0; c < channels; c++) {
                out[i * channels + c] = v;
            }
        }
        return out;
    }

    /** AAC-LC encoding of interleaved PCM with FFmpeg's aac encoder (1024-sample raw frames). */
    static Encoded encodeAac(short[] pcm, int rate, int channels) {
        List<byte[]> frames = new ArrayList<>();
        try (Resampler r = new Resampler(channels, AV_SAMPLE_FMT_S16, rate, channels, AV_SAMPLE_FMT_FLTP, rate);
             AudioEncoder enc = new AudioEncoder("aac", rate, channels, AV_SAMPLE_FMT_FLTP, 64000L * channels,
                 AV_PROFILE_AAC_LOW, Map.of())) {
            AudioEncoder.PacketSink sink = (data, pts, d) -> frames.add(data);
            int samples = pcm.length / channels;
            short[] chunk = new short[1000 * channels];
            for (int i = 0; i < samples; i += 1000) {
                int n = Math.min(1000, samples - i);
                System.arraycopy(pcm, i * channels, chunk, 0, n * channels);
                r.convertShorts(chunk, n, enc.fifo());
                enc.encodeReady(sink);
            }
            r.flush(enc.fifo());
            enc.drain(sink);
            return new Encoded(enc.extradata(), frames, rate, channels);
        }
    }

    /** Decodes raw AAC frames to mono float (channel 0), resampled to {@code outRate}. */
    static float[] decodeAac(byte[] asc, List<byte[]> frames, int outRate) {
        AVAudioFifo fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLT, 1, 1 << 16);
        Resampler[] r = new Resampler[1];
        try (AacDecoder dec = new AacDecoder(asc)) {
            for (byte[] f : frames) {
                dec.decode(f, 0, f.length, frame -> {
                    if (r[0] == null) {
                        r[0] = new Resampler(frame.ch_layout().nb_channels(), frame.format(), frame.sample_rate(),
                            1, AV_SAMPLE_FMT_FLT, outRate);
                    }
                    r[0].convert(frame.extended_data(), frame.nb_samples(), fifo);
                });
            }
            if (r[0] != null) {
                r[0].flush(fifo);
            }
            int n = av_audio_fifo_size(fifo);
            float[] out = new float[n];
            try (FloatPointer buf = new FloatPointer(Math.max(1, n)); PointerPointer<FloatPointer> planes = new PointerPointer<>(1L)) {
                planes.put(0, buf); // (not new PointerPointer(buf): that would reinterpret buf as the pointer array)
                av_audio_fifo_read(fifo, planes, n);
                buf.get(out);
            }
            return out;
        } finally {
            if (r[0] != null) {
                r[0].close();
            }
            av_audio_fifo_free(fifo);
        }
    }

    /** Concentus Opus encoding of 48 kHz interleaved PCM into 20 ms packets. */
    static List<byte[]> encodeOpus(short[] pcm, int channels, int bitrate, boolean fec) throws OpusException {
        OpusEncoder enc = new OpusEncoder(48000, channels, OpusApplication.OPUS_APPLICATION_VOIP);
        enc.setBitrate(bitrate);
        if (fec) {
            enc.setUseInbandFEC(true);
            enc.setPacketLossPercent(10);
        }
        List<byte[]> out = new ArrayList<>();
        byte[] buf = new byte[1500];
        int samples = pcm.length / channels;
        for (int i = 0; i + 960 <= samples; i += 960) {
            int n = enc.encode(pcm, i * channels, 960, buf, 0, buf.length);
            out.add(java.util.Arrays.copyOf(buf, n));
        }
        return out;
    }

    /** Concentus decoding of Opus packets to mono float at 48 kHz. */
    static float[] decodeOpus(List<byte[]> packets) throws OpusException {
        OpusDecoder dec = new OpusDecoder(48000, 1);
        short[] pcm = new short[5760];
        float[] out = new float[packets.size() * 5760];
        int pos = 0;
        for (byte[] p : packets) {
            int n = dec.decode(p, 0, p.length, pcm, 0, 5760, false);
            for (int i = 0; i < n; i++) {
                out[pos++] = pcm[i] / 32768f;
            }
        }
        return java.util.Arrays.copyOf(out, pos);
    }
}
