package io.parley.transcode;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_free;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_read;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_reset;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_size;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_write;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set;
import static org.bytedeco.ffmpeg.global.avutil.av_samples_set_silence;

import java.util.Map;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVAudioFifo;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * An FFmpeg audio encoder fed through an AVAudioFifo so that every frame handed to the codec has exactly
 * {@code frameSize} samples. Keeps the presentation timeline itself: each frame read from the fifo is stamped with
 * {@link #nextPts()} (in samples at the encoder's rate), and each packet is reported with the pts of the frame it
 * corresponds to (the codec's pts plus its initial padding), so the first packet carries the first frame's pts.
 * Not thread-safe.
 */
final class AudioEncoder implements AutoCloseable {
    interface PacketSink {
        void packet(byte[] data, long pts, int durationSamples);
    }

    static final long NO_PTS = Long.MIN_VALUE;

    private final String codecName;
    private final int sampleRate;
    private final int channels;
    private final int sampleFormat;
    private final long bitRate;
    private final int profile;
    private final Map<String, String> options;

    private AVCodecContext ctx;
    private AVFrame frame;
    private AVPacket pkt;
    private AVAudioFifo fifo;
    private int frameSize;
    private int initialPadding;
    private byte[] extradata;
    private long nextPts = NO_PTS;
    private long lastPacketPts = NO_PTS;

    AudioEncoder(String codecName, int sampleRate, int channels, int sampleFormat, long bitRate, int profile,
                 Map<String, String> options) throws TranscodeException {
        Ff.init();
        this.codecName = codecName;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.sampleFormat = sampleFormat;
        this.bitRate = bitRate;
        this.profile = profile;
        this.options = Map.copyOf(options);
        try {
            pkt = av_packet_alloc();
            frame = av_frame_alloc();
            if (pkt == null || frame == null) {
                throw new OutOfMemoryError("av_packet_alloc/av_frame_alloc");
            }
            openCodec();
            fifo = av_audio_fifo_alloc(sampleFormat, channels, Math.max(frameSize * 4, 8192));
            if (fifo == null || fifo.isNull()) {
                throw new OutOfMemoryError("av_audio_fifo_alloc");
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private void openCodec() {
        AVCodec codec = avcodec_find_encoder_by_name(codecName);
        if (codec == null || codec.isNull()) {
            throw new TranscodeException("FFmpeg has no encoder named " + codecName);
        }
        AVCodecContext c = avcodec_alloc_context3(codec);
        if (c == null || c.isNull()) {
            throw new TranscodeException("avcodec_alloc_context3 failed");
        }
        try {
            c.sample_rate(sampleRate);
            c.sample_fmt(sampleFormat);
            av_channel_layout_default(c.ch_layout(), channels);
            c.bit_rate(bitRate);
            AVRational tb = new AVRational();
            tb.num(1).den(sampleRate);
            c.time_base(tb);
            tb.close();
            if (profile >= 0) {
                c.profile(profile);
            }
            for (Map.Entry<String, String> e : options.entrySet()) {
                // AV_OPT_SEARCH_CHILDREN: generic AVCodecContext options (compression_level) and the codec's private ones
                Ff.check(av_opt_set(c, e.getKey(), e.getValue(), org.bytedeco.ffmpeg.global.avutil.AV_OPT_SEARCH_CHILDREN),
                    codecName + " option " + e.getKey());
            }
            Ff.check(avcodec_open2(c, codec, (AVDictionary) null), "open " + codecName + " encoder");
        } catch (RuntimeException e) {
            avcodec_free_context(c);
            throw e;
        }
        ctx = c;
        frameSize = c.frame_size() > 0 ? c.frame_size() : 1024;
        initialPadding = c.initial_padding();
        if (c.extradata() != null && !c.extradata().isNull() && c.extradata_size() > 0) {
            extradata = new byte[c.extradata_size()];
            c.extradata().get(extradata);
        }
        // a fresh buffer of exactly one frame; av_frame_make_writable reallocates it if the codec kept a reference
        if (frame.nb_samples() != frameSize) {
            org.bytedeco.ffmpeg.global.avutil.av_frame_unref(frame);
            frame.format(sampleFormat).sample_rate(sampleRate).nb_samples(frameSize);
            Ff.check(av_channel_layout_copy(frame.ch_layout(), c.ch_layout()), "av_channel_layout_copy");
            Ff.check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer");
        }
    }

    AVAudioFifo fifo() {
        return fifo;
    }

    int frameSize() {
        return frameSize;
    }

    int sampleRate() {
        return sampleRate;
    }

    byte[] extradata() {
        return extradata == null ? new byte[0] : extradata.clone();
    }

    /** Samples waiting in the fifo for a full frame. */
    int buffered() {
        return av_audio_fifo_size(fifo);
    }

    long nextPts() {
        return nextPts;
    }

    /** Sets the pts of the next frame read from the fifo (call when the fifo holds no partial frame). */
    void setNextPts(long pts) {
        nextPts = pts;
    }

    /** Encodes every full frame in the fifo. */
    void encodeReady(PacketSink sink) throws TranscodeException {
        while (av_audio_fifo_size(fifo) >= frameSize) {
            encodeOne(sink);
        }
    }

    /** Completes a partial frame with silence and encodes it, leaving the fifo empty. */
    void padToFrame(PacketSink sink) throws TranscodeException {
        int partial = av_audio_fifo_size(fifo) % frameSize;
        if (partial > 0) {
            writeSilence(frameSize - partial);
        }
        encodeReady(sink);
    }

    void writeSilence(int samples) throws TranscodeException {
        while (samples > 0) {
            int n = Math.min(samples, frameSize);
            Ff.check(av_frame_make_writable(frame), "av_frame_make_writable");
            av_samples_set_silence(frame.extended_data(), 0, n, channels, sampleFormat);
            Ff.check(av_audio_fifo_write(fifo, frame.extended_data(), n), "av_audio_fifo_write");
            samples -= n;
        }
    }

    /**
     * End of stream: pads the last partial frame, drains the codec's delay, then reopens the codec so the encoder can
     * go on (the timeline continues where it stopped).
     */
    void drain(PacketSink sink) throws TranscodeException {
        padToFrame(sink);
        Ff.check(avcodec_send_frame(ctx, null), "send EOF to " + codecName);
        receive(sink);
        avcodec_free_context(ctx);
        ctx = null;
        openCodec();
    }

    /** Discards buffered samples and the codec's state; the timeline continues. */
    void reset() throws TranscodeException {
        av_audio_fifo_reset(fifo);
        avcodec_free_context(ctx);
        ctx = null;
        openCodec();
    }

    private void encodeOne(PacketSink sink) {
        Ff.check(av_frame_make_writable(frame), "av_frame_make_writable");
        int n = av_audio_fifo_read(fifo, frame.extended_data(), frameSize);
        if (n != frameSize) {
            throw new TranscodeException("av_audio_fifo_read returned " + n);
        }
        frame.nb_samples(frameSize);
        if (nextPts == NO_PTS) {
            nextPts = 0;
        }
        frame.pts(nextPts);
        nextPts += frameSize;
        int ret = avcodec_send_frame(ctx, frame);
        if (ret < 0) {
            throw new TranscodeException(codecName + " encode: " + Ff.error(ret));
        }
        receive(sink);
    }

    private void receive(PacketSink sink) {
        while (true) {
            int ret = avcodec_receive_packet(ctx, pkt);
            if (ret == Ff.EAGAIN || ret == AVERROR_EOF) {
                return;
            }
            if (ret < 0) {
                throw new TranscodeException(codecName + " encode: " + Ff.error(ret));
            }
            try {
                byte[] data = new byte[pkt.size()];
                pkt.data().get(data);
                long pts = pkt.pts() + initialPadding;
                if (lastPacketPts != NO_PTS && pts <= lastPacketPts) {
                    pts = lastPacketPts + 1; // never happens with a sane codec; keeps the output monotonic regardless
                }
                lastPacketPts = pts;
                int duration = pkt.duration() > 0 ? (int) pkt.duration() : frameSize;
                sink.packet(data, pts, duration);
            } finally {
                av_packet_unref(pkt);
            }
        }
    }

    @Override
    public void close() {
        if (ctx != null) {
            avcodec_free_context(ctx);
            ctx = null;
        }
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (pkt != null) {
            av_packet_free(pkt);
            pkt = null;
        }
        if (fifo != null) {
            av_audio_fifo_free(fifo);
            fifo = null;
        }
    }
}
