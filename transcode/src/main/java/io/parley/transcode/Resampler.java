package io.parley.transcode;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_write;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_uninit;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;

import org.bytedeco.ffmpeg.avutil.AVAudioFifo;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * libswresample: sample rate, format and channel-count conversion (up/down-mix by swr's default matrix), writing
 * into an AVAudioFifo. Not thread-safe.
 */
final class Resampler implements AutoCloseable {
    final int inChannels;
    final int inFormat;
    final int inRate;
    final int outChannels;
    final int outFormat;
    final int outRate;

    private SwrContext swr;
    private AVFrame out;
    private int outCapacity;
    private AVFrame shortsIn;
    private int shortsCapacity;

    Resampler(int inChannels, int inFormat, int inRate, int outChannels, int outFormat, int outRate) throws TranscodeException {
        Ff.init();
        this.inChannels = inChannels;
        this.inFormat = inFormat;
        this.inRate = inRate;
        this.outChannels = outChannels;
        this.outFormat = outFormat;
        this.outRate = outRate;
        AVChannelLayout inLayout = new AVChannelLayout();
        AVChannelLayout outLayout = new AVChannelLayout();
        PointerPointer<SwrContext> holder = new PointerPointer<>(1L);
        try {
            av_channel_layout_default(inLayout, inChannels);
            av_channel_layout_default(outLayout, outChannels);
            holder.put(0, null);
            Ff.check(swr_alloc_set_opts2(holder, outLayout, outFormat, outRate, inLayout, inFormat, inRate, 0, null), "swr_alloc_set_opts2");
            swr = holder.get(SwrContext.class, 0);
            if (swr == null || swr.isNull()) {
                throw new TranscodeException("swr_alloc_set_opts2 returned no context");
            }
            Ff.check(swr_init(swr), "swr_init");
            out = av_frame_alloc();
            if (out == null) {
                throw new OutOfMemoryError("av_frame_alloc");
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        } finally {
            av_channel_layout_uninit(inLayout);
            av_channel_layout_uninit(outLayout);
            inLayout.close();
            outLayout.close();
            holder.close();
        }
    }

    boolean matches(int channels, int format, int rate) {
        return channels == inChannels && format == inFormat && rate == inRate;
    }

    /** Converts {@code count} input samples (per channel) given as plane pointers; appends the result to the fifo. */
    int convert(PointerPointer<?> inPlanes, int count, AVAudioFifo fifo) throws TranscodeException {
        int max = swr_get_out_samples(swr, count);
        if (max <= 0) {
            return 0;
        }
        ensureOut(max);
        int n = Ff.check(swr_convert(swr, out.extended_data(), max, inPlanes, count), "swr_convert");
        if (n > 0) {
            Ff.check(av_audio_fifo_write(fifo, out.extended_data(), n), "av_audio_fifo_write");
        }
        return n;
    }

    /** Converts interleaved 16-bit samples ({@code count} per channel, input must be S16 packed). */
    int convertShorts(short[] pcm, int count, AVAudioFifo fifo) throws TranscodeException {
        if (inFormat != AV_SAMPLE_FMT_S16) {
            throw new IllegalStateException("input format is not S16");
        }
        if (count <= 0) {
            return 0;
        }
        if (shortsIn == null || shortsCapacity < count) {
            if (shortsIn == null) {
                shortsIn = av_frame_alloc();
                if (shortsIn == null) {
                    throw new OutOfMemoryError("av_frame_alloc");
                }
            } else {
                av_frame_unref(shortsIn);
            }
            int cap = Math.max(count, 5760);
            shortsIn.format(inFormat).sample_rate(inRate).nb_samples(cap);
            av_channel_layout_default(shortsIn.ch_layout(), inChannels);
            Ff.check(av_frame_get_buffer(shortsIn, 0), "av_frame_get_buffer");
            shortsCapacity = cap;
        }
        new ShortPointer(shortsIn.data(0)).put(pcm, 0, count * inChannels);
        return convert(shortsIn.extended_data(), count, fifo);
    }

    /** Drains the samples swr still holds (its filter delay) into the fifo. */
    int flush(AVAudioFifo fifo) throws TranscodeException {
        int max = swr_get_out_samples(swr, 0);
        if (max <= 0) {
            return 0;
        }
        ensureOut(max);
        int n = Ff.check(swr_convert(swr, out.extended_data(), max, (PointerPointer<?>) null, 0), "swr_convert(flush)");
        if (n > 0) {
            Ff.check(av_audio_fifo_write(fifo, out.extended_data(), n), "av_audio_fifo_write");
        }
        return n;
    }

    private void ensureOut(int samples) {
        if (samples <= outCapacity) {
            return;
        }
        av_frame_unref(out);
        int cap = Math.max(samples, 4096);
        out.format(outFormat).sample_rate(outRate).nb_samples(cap);
        av_channel_layout_default(out.ch_layout(), outChannels);
        Ff.check(av_frame_get_buffer(out, 0), "av_frame_get_buffer");
        outCapacity = cap;
    }

    @Override
    public void close() {
        if (swr != null) {
            swr_free(swr);
            swr = null;
        }
        if (out != null) {
            av_frame_free(out);
            out = null;
        }
        if (shortsIn != null) {
            av_frame_free(shortsIn);
            shortsIn = null;
        }
        outCapacity = 0;
        shortsCapacity = 0;
    }
}
