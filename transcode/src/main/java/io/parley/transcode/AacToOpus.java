package io.parley.transcode;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * AAC (from FLV/RTMP, e.g. a WeChat mini-program publisher) to Opus (for WebRTC). Decodes raw AAC frames with FFmpeg,
 * resamples to 48 kHz with libswresample, and encodes 20 ms Opus packets with libopus (the libopus 1.3.1 that the
 * bytedeco FFmpeg build links in).
 *
 * <p><b>Output format.</b> 48 kHz, {@link Config#channels()} channels (default mono: stereo AAC is down-mixed; voice
 * rooms gain nothing from stereo, and an {@code opus/48000/2} SDP line covers a mono stream, since every Opus decoder
 * outputs whatever channel count it is asked for). Every packet is exactly 960 samples (20 ms).
 *
 * <p><b>Timestamps.</b> The first input timestamp {@code t0} (ms) maps to RTP time {@code t0 * 48}; from then on
 * the RTP timestamp advances by the number of samples (960 per packet), not by the input timestamps, as long as each
 * input timestamp stays within {@link Config#resyncToleranceMillis()} of where the decoded sample count says it
 * should be. Beyond that (a jump), the partial packet is completed with silence and emitted, and the output re-anchors:
 * a forward jump moves the RTP clock forward by the same amount; a backward jump keeps the RTP clock going (RTP time
 * never goes backwards). {@link #reset()} (publisher reconnect) drops buffered audio and re-anchors on the next push
 * the same way. A frame the decoder rejects is replaced by one frame of silence so the timeline stays continuous.
 *
 * <p><b>Threading.</b> Not thread-safe: one instance per stream, used by one thread at a time (e.g. on a
 * {@link TranscodePool.Strand}). {@link #close()} frees the native memory; it is idempotent, and any other call after
 * it throws {@link IllegalStateException}.
 */
public final class AacToOpus implements AutoCloseable {
    public static final int OPUS_RATE = 48000;
    public static final int FRAME_SAMPLES = 960;

    /** libopus application mode. */
    public enum Application {
        VOIP("voip"), AUDIO("audio"), LOW_DELAY("lowdelay");

        final String ffmpegName;

        Application(String ffmpegName) {
            this.ffmpegName = ffmpegName;
        }
    }

    /**
     * @param bitrate               Opus bitrate in bit/s (default 32000)
     * @param application           libopus application (default AUDIO: at 32 kbit/s libopus then codes CELT, which
     *                              costs a third to a half of the SILK/hybrid coding VOIP picks for speech and sounds
     *                              as good at this rate; VOIP is better below about 24 kbit/s)
     * @param channels              1 (default) or 2
     * @param complexity            libopus complexity 0..10 (default 3; 5 costs about 1.8x, 10 about 2.4x: see
     *                              BENCHMARKS.md, "Transcoding")
     * @param inbandFec             libopus in-band FEC for the WebRTC receivers (default false)
     * @param packetLossPercent     expected loss, used by libopus when FEC is on (default 0)
     * @param resyncToleranceMillis how far an input timestamp may stray from the sample count before the output
     *                              re-anchors (default 250)
     */
    public record Config(int bitrate, Application application, int channels, int complexity, boolean inbandFec,
                         int packetLossPercent, int resyncToleranceMillis) {
        public Config {
            Objects.requireNonNull(application, "application");
            if (bitrate < 6000 || bitrate > 510000) {
                throw new IllegalArgumentException("bitrate " + bitrate);
            }
            if (channels != 1 && channels != 2) {
                throw new IllegalArgumentException("channels " + channels);
            }
            if (complexity < 0 || complexity > 10) {
                throw new IllegalArgumentException("complexity " + complexity);
            }
            if (packetLossPercent < 0 || packetLossPercent > 100) {
                throw new IllegalArgumentException("packetLossPercent " + packetLossPercent);
            }
            if (resyncToleranceMillis < 1) {
                throw new IllegalArgumentException("resyncToleranceMillis " + resyncToleranceMillis);
            }
        }

        public static Config defaults() {
            return new Config(32000, Application.AUDIO, 1, 3, false, 0, 250);
        }

        public Config withBitrate(int v) {
            return new Config(v, application, channels, complexity, inbandFec, packetLossPercent, resyncToleranceMillis);
        }

        public Config withApplication(Application v) {
            return new Config(bitrate, v, channels, complexity, inbandFec, packetLossPercent, resyncToleranceMillis);
        }

        public Config withChannels(int v) {
            return new Config(bitrate, application, v, complexity, inbandFec, packetLossPercent, resyncToleranceMillis);
        }

        public Config withComplexity(int v) {
            return new Config(bitrate, application, channels, v, inbandFec, packetLossPercent, resyncToleranceMillis);
        }

        public Config withInbandFec(boolean fec, int lossPercent) {
            return new Config(bitrate, application, channels, complexity, fec, lossPercent, resyncToleranceMillis);
        }

        public Config withResyncToleranceMillis(int v) {
            return new Config(bitrate, application, channels, complexity, inbandFec, packetLossPercent, v);
        }
    }

    private final Config config;
    private AudioSpecificConfig asc;
    private AacDecoder decoder;
    private Resampler resampler;
    private AudioEncoder encoder;
    private boolean closed;

    // timeline
    private boolean anchored;
    private long anchorInputMillis;
    private long decodedSinceAnchor; // samples at decodedRate
    private int decodedRate;
    private long rtpOffset; // rtp = inputMillis * 48 + rtpOffset at an anchor

    // counters
    private long framesIn;
    private long malformedFrames;
    private long packetsOut;
    private long resyncs;

    private Consumer<OpusFrame> sink;
    private final AudioEncoder.PacketSink packetSink = (data, pts, duration) -> {
        packetsOut++;
        sink.accept(new OpusFrame(data, pts, FRAME_SAMPLES)); // every libopus packet here is 20 ms (the last one of a drain is trimmed only in container terms)
    };
    private final Consumer<AVFrame> decodedSink = this::onDecoded;

    /** A transcoder with {@link Config#defaults()}. */
    public AacToOpus(byte[] audioSpecificConfig) throws TranscodeException {
        this(audioSpecificConfig, Config.defaults());
    }

    /**
     * @param audioSpecificConfig the FLV AAC sequence header body (after the 2-byte FLV audio tag header)
     * @throws TranscodeException if the config is not AAC-LC/HE-AAC mono/stereo or FFmpeg cannot open the codecs
     */
    public AacToOpus(byte[] audioSpecificConfig, Config config) throws TranscodeException {
        this.config = Objects.requireNonNull(config, "config");
        this.asc = AudioSpecificConfig.parse(audioSpecificConfig);
        try {
            decoder = new AacDecoder(audioSpecificConfig);
            encoder = new AudioEncoder("libopus", OPUS_RATE, config.channels(), AV_SAMPLE_FMT_S16, config.bitrate(), -1,
                Map.of("application", config.application().ffmpegName,
                    "frame_duration", "20",
                    "compression_level", Integer.toString(config.complexity()),
                    "fec", config.inbandFec() ? "1" : "0",
                    "packet_loss", Integer.toString(config.packetLossPercent())));
            if (encoder.frameSize() != FRAME_SAMPLES) {
                throw new TranscodeException("libopus frame size " + encoder.frameSize() + ", expected " + FRAME_SAMPLES);
            }
            decodedRate = asc.sampleRate();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Decodes one raw AAC frame and returns the Opus packets that became complete (often 0, 1 or 2). */
    public List<OpusFrame> push(byte[] rawAacFrame, long timestampMillis) throws TranscodeException {
        List<OpusFrame> out = new ArrayList<>(2);
        push(rawAacFrame, 0, rawAacFrame.length, timestampMillis, out::add);
        return out;
    }

    /** As {@link #push(byte[], long)}, reading the readable bytes of the buffer (not consumed, not released). */
    public List<OpusFrame> push(ByteBuf rawAacFrame, long timestampMillis) throws TranscodeException {
        List<OpusFrame> out = new ArrayList<>(2);
        push(rawAacFrame, timestampMillis, out::add);
        return out;
    }

    public void push(ByteBuf rawAacFrame, long timestampMillis, Consumer<OpusFrame> output) throws TranscodeException {
        if (rawAacFrame.hasArray()) {
            push(rawAacFrame.array(), rawAacFrame.arrayOffset() + rawAacFrame.readerIndex(), rawAacFrame.readableBytes(),
                timestampMillis, output);
        } else if (rawAacFrame.nioBufferCount() == 1) {
            ensureOpen();
            begin(timestampMillis, output);
            try {
                decoder.decode(rawAacFrame.nioBuffer(), decodedSink);
            } catch (TranscodeException e) {
                malformed();
            }
            end();
        } else {
            byte[] copy = new byte[rawAacFrame.readableBytes()];
            rawAacFrame.getBytes(rawAacFrame.readerIndex(), copy);
            push(copy, 0, copy.length, timestampMillis, output);
        }
    }

    /**
     * Decodes {@code len} bytes of one raw AAC frame and hands each completed Opus packet to {@code output}, in order.
     * A frame the decoder rejects counts in {@link #malformedFrames()} and becomes one frame of silence; the
     * transcoder stays usable.
     *
     * @throws TranscodeException only for failures that are not about the input (resampler or encoder errors)
     */
    public void push(byte[] data, int off, int len, long timestampMillis, Consumer<OpusFrame> output) throws TranscodeException {
        ensureOpen();
        Objects.checkFromIndexSize(off, len, data.length);
        begin(timestampMillis, output);
        try {
            decoder.decode(data, off, len, decodedSink);
        } catch (TranscodeException e) {
            malformed();
        }
        end();
    }

    private void begin(long timestampMillis, Consumer<OpusFrame> output) {
        this.sink = output;
        framesIn++;
        if (!anchored) {
            anchor(timestampMillis);
        } else {
            double expected = anchorInputMillis + decodedSinceAnchor * 1000.0 / decodedRate;
            if (Math.abs(timestampMillis - expected) > config.resyncToleranceMillis()) {
                resyncs++;
                if (resampler != null) {
                    resampler.flush(encoder.fifo());
                }
                encoder.padToFrame(packetSink);
                anchor(timestampMillis);
            }
        }
    }

    private void end() {
        try {
            encoder.encodeReady(packetSink);
        } finally {
            sink = null;
        }
    }

    private void anchor(long timestampMillis) {
        long candidate = timestampMillis * (OPUS_RATE / 1000) + rtpOffset;
        long next = encoder.nextPts();
        if (next != AudioEncoder.NO_PTS && candidate < next) {
            rtpOffset += next - candidate;
            candidate = next;
        }
        encoder.setNextPts(candidate);
        anchored = true;
        anchorInputMillis = timestampMillis;
        decodedSinceAnchor = 0;
    }

    private void malformed() {
        malformedFrames++;
        // conceal with one frame of silence (1024 samples at the input rate) so the timeline stays continuous
        int frame = 1024;
        decodedSinceAnchor += frame;
        encoder.writeSilence((int) ((long) frame * OPUS_RATE / decodedRate));
    }

    private void onDecoded(AVFrame f) {
        int channels = f.ch_layout().nb_channels();
        int rate = f.sample_rate();
        int format = f.format();
        if (resampler == null || !resampler.matches(channels, format, rate)) {
            if (resampler != null) {
                resampler.flush(encoder.fifo());
                resampler.close();
                resampler = null;
            }
            resampler = new Resampler(channels, format, rate, config.channels(), AV_SAMPLE_FMT_S16, OPUS_RATE);
        }
        if (rate != decodedRate) {
            // the decoder's output rate differs from the ASC's (SBR): rescale the count kept so far
            decodedSinceAnchor = decodedSinceAnchor * rate / decodedRate;
            decodedRate = rate;
        }
        decodedSinceAnchor += f.nb_samples();
        resampler.convert(f.extended_data(), f.nb_samples(), encoder.fifo());
    }

    /**
     * End of stream: completes the last partial packet with silence, drains the encoder and returns what was left.
     * The transcoder stays usable; a later push continues the timeline.
     */
    public List<OpusFrame> flush() throws TranscodeException {
        ensureOpen();
        List<OpusFrame> out = new ArrayList<>(4);
        sink = out::add;
        try {
            if (resampler != null) {
                resampler.flush(encoder.fifo());
            }
            encoder.drain(packetSink);
        } finally {
            sink = null;
        }
        return out;
    }

    /** Publisher reconnected with the same AudioSpecificConfig: drops buffered audio and codec state; re-anchors. */
    public void reset() throws TranscodeException {
        ensureOpen();
        decoder.flush();
        resetCommon();
    }

    /** Publisher reconnected with a new AudioSpecificConfig. */
    public void reset(byte[] audioSpecificConfig) throws TranscodeException {
        ensureOpen();
        AudioSpecificConfig parsed = AudioSpecificConfig.parse(audioSpecificConfig);
        AacDecoder fresh = new AacDecoder(audioSpecificConfig);
        decoder.close();
        decoder = fresh;
        asc = parsed;
        decodedRate = parsed.sampleRate();
        resetCommon();
    }

    private void resetCommon() {
        if (resampler != null) {
            resampler.close();
            resampler = null;
        }
        encoder.reset();
        anchored = false;
    }

    public AudioSpecificConfig inputConfig() {
        return asc;
    }

    public Config config() {
        return config;
    }

    /** AAC frames pushed. */
    public long framesIn() {
        return framesIn;
    }

    /** AAC frames the decoder rejected (each replaced by silence). */
    public long malformedFrames() {
        return malformedFrames;
    }

    /** Opus packets emitted. */
    public long packetsOut() {
        return packetsOut;
    }

    /** Times the output re-anchored on an input timestamp jump. */
    public long resyncs() {
        return resyncs;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("AacToOpus is closed");
        }
    }

    /** Frees all native memory. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            if (resampler != null) {
                resampler.close();
            }
        } finally {
            resampler = null;
            try {
                if (encoder != null) {
                    encoder.close();
                }
            } finally {
                encoder = null;
                if (decoder != null) {
                    decoder.close();
                }
                decoder = null;
            }
        }
    }
}
