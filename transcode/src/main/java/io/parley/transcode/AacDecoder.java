package io.parley.transcode;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/** FFmpeg's AAC decoder for raw AAC frames (no ADTS), configured by an AudioSpecificConfig. Not thread-safe. */
final class AacDecoder implements AutoCloseable {
    private AVCodecContext ctx;
    private AVPacket pkt;
    private AVFrame frame;
    private BytePointer in;
    private int inCapacity;

    AacDecoder(byte[] audioSpecificConfig) throws TranscodeException {
        Ff.init();
        try {
            AVCodec codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
            if (codec == null || codec.isNull()) {
                throw new TranscodeException("FFmpeg has no AAC decoder");
            }
            ctx = avcodec_alloc_context3(codec);
            if (ctx == null || ctx.isNull()) {
                throw new TranscodeException("avcodec_alloc_context3 failed");
            }
            // extradata must come from av_malloc: avcodec_free_context frees it.
            Pointer extra = av_mallocz(audioSpecificConfig.length + AV_INPUT_BUFFER_PADDING_SIZE);
            if (extra == null || extra.isNull()) {
                throw new OutOfMemoryError("av_mallocz");
            }
            BytePointer extraBytes = new BytePointer(extra).capacity(audioSpecificConfig.length + AV_INPUT_BUFFER_PADDING_SIZE);
            extraBytes.put(audioSpecificConfig, 0, audioSpecificConfig.length);
            ctx.extradata(extraBytes).extradata_size(audioSpecificConfig.length);
            Ff.check(avcodec_open2(ctx, codec, (AVDictionary) null), "open AAC decoder");
            pkt = av_packet_alloc();
            frame = av_frame_alloc();
            if (pkt == null || frame == null) {
                throw new OutOfMemoryError("av_packet_alloc/av_frame_alloc");
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Decodes one raw AAC frame; each decoded AVFrame (planar float, the decoder's rate and layout) goes to the sink
     * and is unreferenced afterwards, so the sink must copy what it keeps.
     *
     * @throws TranscodeException if FFmpeg rejects the frame (the decoder stays usable)
     */
    void decode(byte[] data, int off, int len, Consumer<AVFrame> sink) throws TranscodeException {
        ensureInput(len);
        in.position(0).put(data, off, len);
        send(len, sink);
    }

    void decode(ByteBuffer data, Consumer<AVFrame> sink) throws TranscodeException {
        int len = data.remaining();
        ensureInput(len);
        in.position(0).limit(len).asBuffer().put(data.duplicate());
        in.limit(inCapacity);
        send(len, sink);
    }

    private void send(int len, Consumer<AVFrame> sink) {
        if (len == 0) {
            throw new TranscodeException("empty AAC frame");
        }
        pkt.data(in.position(0)).size(len);
        // The packet is not reference-counted, so FFmpeg copies the bytes before returning.
        int ret = avcodec_send_packet(ctx, pkt);
        pkt.data(null).size(0);
        if (ret < 0 && ret != Ff.EAGAIN) {
            throw new TranscodeException("AAC decode: " + Ff.error(ret));
        }
        receive(sink);
    }

    private void receive(Consumer<AVFrame> sink) {
        while (true) {
            int ret = avcodec_receive_frame(ctx, frame);
            if (ret == Ff.EAGAIN || ret == AVERROR_EOF) {
                return;
            }
            if (ret < 0) {
                throw new TranscodeException("AAC decode: " + Ff.error(ret));
            }
            try {
                sink.accept(frame);
            } finally {
                av_frame_unref(frame);
            }
        }
    }

    /** Drops the decoder's state (for a publisher reconnect). */
    void flush() {
        avcodec_flush_buffers(ctx);
    }

    private void ensureInput(int len) {
        if (len + AV_INPUT_BUFFER_PADDING_SIZE <= inCapacity) {
            return;
        }
        if (in != null) {
            av_free(in);
            in = null;
        }
        int cap = Math.max(2048, Integer.highestOneBit(len + AV_INPUT_BUFFER_PADDING_SIZE) << 1);
        Pointer p = av_mallocz(cap);
        if (p == null || p.isNull()) {
            throw new OutOfMemoryError("av_mallocz");
        }
        in = new BytePointer(p).capacity(cap);
        inCapacity = cap;
    }

    @Override
    public void close() {
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (pkt != null) {
            av_packet_free(pkt);
            pkt = null;
        }
        if (ctx != null) {
            avcodec_free_context(ctx);
            ctx = null;
        }
        if (in != null) {
            av_free(in);
            in = null;
            inCapacity = 0;
        }
    }
}
