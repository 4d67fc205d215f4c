package io.parley.transcode;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PROFILE_AAC_LOW;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;

import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.github.jaredmdobson.concentus.OpusPacketInfo;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Opus (from a WebRTC publisher, RTP payloads) to AAC-LC (for FLV over RTMP/HTTP-FLV, e.g. WeChat mini-program
 * players). Decodes with Concentus (pure-Java libopus port, used here because its decoder exposes packet-loss
 * concealment and in-band FEC decoding, which FFmpeg's Opus decoders do not), resamples with libswresample unless the
 * output rate is 48 kHz, and encodes with FFmpeg's native {@code aac} encoder (AAC-LC, 1024-sample frames).
 *
 * <p><b>Output format.</b> {@link Config#sampleRate()} (default 24 kHz; also 16, 44.1 and 48 kHz: Opus is always
 * decoded at 48 kHz and resampled unless the output is 48 kHz), {@link Config#channels()} (default mono), default
 * 40 kbit/s (see {@link Config#defaults()}). The input RTP clock is 48 kHz whatever the output rate.
 * {@link #audioSpecificConfig()} is the body of the FLV AAC sequence header to send before the first frame.
 *
 * <p><b>Loss and timing.</b> The caller delivers packets in arrival order; nothing is reordered. A packet whose
 * sequence number is not after the last one (late or duplicate) is dropped and counted. Time is taken from RTP
 * timestamps: when a packet starts later than the previous one ended (lost packets, or DTX), the missing time up to
 * {@link Config#maxConcealMillis()} is synthesized by the Opus decoder's PLC, using the in-band FEC data of the packet
 * that follows a loss for the last missing frame when it has some. A larger gap (or RTP time going backwards by more
 * than that) is a discontinuity: the partial AAC frame is completed with silence, the decoder is reset, and the
 * output clock jumps forward by the gap (never backwards). Output timestamps start at 0 ms for the first packet and
 * advance by sample count (1024 samples per frame), so they are strictly increasing and have no jumps except at a
 * discontinuity.
 *
 * <p><b>Threading.</b> Not thread-safe: one instance per stream, used by one thread at a time (e.g. on a
 * {@link TranscodePool.Strand}). {@link #close()} frees the native memory; it is idempotent, and any other call after
 * it throws {@link IllegalStateException}.
 */
public final class OpusToAac implements AutoCloseable {
    public static final int OPUS_RATE = 48000;
    public static final int AAC_FRAME_SAMPLES = 1024;
    /** The default AAC sample rate: see {@link Config#defaults()}. */
    public static final int DEFAULT_SAMPLE_RATE = 24000;
    /** The default AAC bitrate (at the default 24 kHz, mono). */
    public static final int DEFAULT_BITRATE = 40000;
    private static final int MAX_OPUS_FRAME = 5760; // 120 ms at 48 kHz
    private static final int PLC_STEP = 960;

    /** FFmpeg {@code aac_coder}: how the native AAC encoder searches quantisation. */
    public enum AacCoder {
        /** Trellis-free fast search: about 40 % less CPU than {@link #TWOLOOP}, slightly lower quality (default). */
        FAST("fast"),
        /** FFmpeg's default two-loop search: best quality, most CPU. */
        TWOLOOP("twoloop");

        final String ffmpegName;

        AacCoder(String ffmpegName) {
            this.ffmpegName = ffmpegName;
        }
    }

    /**
     * @param bitrate          AAC bitrate in bit/s (default 40000)
     * @param sampleRate       AAC sample rate: 24000 (default), 16000, 48000 or 44100
     * @param channels         1 (default) or 2
     * @param maxConcealMillis the longest gap synthesized by PLC; longer ones are discontinuities (default 200)
     * @param useFec           decode in-band FEC for the last lost frame when the next packet has it (default true)
     * @param aacCoder         the AAC encoder's quantisation search (default {@link AacCoder#FAST}: see BENCHMARKS.md,
     *                         "Transcoding")
     */
    public record Config(int bitrate, int sampleRate, int channels, int maxConcealMillis, boolean useFec, AacCoder aacCoder) {
        public Config {
            if (bitrate < 8000 || bitrate > 320000) {
                throw new IllegalArgumentException("bitrate " + bitrate);
            }
            if (sampleRate != 48000 && sampleRate != 44100 && sampleRate != 24000 && sampleRate != 16000) {
                throw new IllegalArgumentException("sampleRate " + sampleRate + " (48000, 44100, 24000 or 16000)");
            }
            if (channels != 1 && channels != 2) {
                throw new IllegalArgumentException("channels " + channels);
            }
            if (maxConcealMillis < 0 || maxConcealMillis > 1000) {
                throw new IllegalArgumentException("maxConcealMillis " + maxConcealMillis);
            }
            java.util.Objects.requireNonNull(aacCoder, "aacCoder");
        }

        /**
         * AAC-LC 24 kHz mono at 40 kbit/s, {@link AacCoder#FAST}, 200 ms concealment, FEC on. 24 kHz keeps the voice
         * band up to 12 kHz (more than wideband telephony's 7 kHz) while the AAC encoder codes half the samples of
         * 48 kHz; that is what brings Opus → AAC to ≥ 100 streams per core (see
         * BENCHMARKS.md, "Transcoding"). The FLV AudioSpecificConfig carries the rate, so players need no setting.
         */
        public static Config defaults() {
            return new Config(DEFAULT_BITRATE, DEFAULT_SAMPLE_RATE, 1, 200, true, AacCoder.FAST);
        }

        public Config withBitrate(int v) {
            return new Config(v, sampleRate, channels, maxConcealMillis, useFec, aacCoder);
        }

        public Config withSampleRate(int v) {
            return new Config(bitrate, v, channels, maxConcealMillis, useFec, aacCoder);
        }

        public Config withChannels(int v) {
            return new Config(bitrate, sampleRate, v, maxConcealMillis, useFec, aacCoder);
        }

        public Config withMaxConcealMillis(int v) {
            return new Config(bitrate, sampleRate, channels, v, useFec, aacCoder);
        }

        public Config withFec(boolean v) {
            return new Config(bitrate, sampleRate, channels, maxConcealMillis, v, aacCoder);
        }

        public Config withAacCoder(AacCoder v) {
            return new Config(bitrate, sampleRate, channels, maxConcealMillis, useFec, v);
        }
    }

    private final Config config;
    private final int maxConcealSamples;
    private OpusDecoder decoder;
    private Resampler resampler;
    private AudioEncoder encoder;
    private final short[] pcm;
    private byte[] scratch = new byte[1500];
    private boolean closed;

    private boolean started;
    private int lastSeq;
    private long lastRtp;
    private int lastSamples;

    private long packetsIn;
    private long lateOrDuplicate;
    private long malformedPackets;
    private long concealedSamples;
    private long fecFrames;
    private long discontinuities;
    private long framesOut;

    private Consumer<AacFrame> sink;
    private final AudioEncoder.PacketSink packetSink = (data, pts, duration) -> {
        framesOut++;
        sink.accept(new AacFrame(data, Math.floorDiv(pts * 1000, encoder.sampleRate())));
    };

    public OpusToAac() throws TranscodeException {
        this(Config.defaults());
    }

    /** @throws TranscodeException if FFmpeg cannot open the AAC encoder or the resampler */
    public OpusToAac(Config config) throws TranscodeException {
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.maxConcealSamples = config.maxConcealMillis() * (OPUS_RATE / 1000);
        this.pcm = new short[MAX_OPUS_FRAME * config.channels()];
        try {
            decoder = newDecoder();
            resampler = new Resampler(config.channels(), AV_SAMPLE_FMT_S16, OPUS_RATE,
                config.channels(), AV_SAMPLE_FMT_FLTP, config.sampleRate());
            encoder = new AudioEncoder("aac", config.sampleRate(), config.channels(), AV_SAMPLE_FMT_FLTP,
                config.bitrate(), AV_PROFILE_AAC_LOW, Map.of("aac_coder", config.aacCoder().ffmpegName));
            if (encoder.frameSize() != AAC_FRAME_SAMPLES) {
                throw new TranscodeException("AAC frame size " + encoder.frameSize());
            }
            encoder.setNextPts(0);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private OpusDecoder newDecoder() {
        try {
            // Always 48 kHz, even for a 24 or 16 kHz output: Concentus 1.0.2 decodes mono SILK/hybrid packets to
            // silence when asked for 24 or 16 kHz (CELT-only packets decode fine), so it decodes at 48 kHz and
            // libswresample downsamples (about 0.3 ms CPU per second of audio).
            return new OpusDecoder(OPUS_RATE, config.channels());
        } catch (OpusException e) {
            throw new TranscodeException("Opus decoder", e);
        }
    }

    /** The AudioSpecificConfig of the output (FLV AAC sequence header body). */
    public byte[] audioSpecificConfig() {
        ensureOpen();
        return encoder.extradata();
    }

    public List<AacFrame> push(byte[] opusPayload, long rtpTimestamp, int sequenceNumber) throws TranscodeException {
        List<AacFrame> out = new ArrayList<>(2);
        push(opusPayload, 0, opusPayload.length, rtpTimestamp, sequenceNumber, out::add);
        return out;
    }

    /** As {@link #push(byte[], long, int)}, reading the readable bytes of the buffer (not consumed, not released). */
    public List<AacFrame> push(ByteBuf opusPayload, long rtpTimestamp, int sequenceNumber) throws TranscodeException {
        List<AacFrame> out = new ArrayList<>(2);
        push(opusPayload, rtpTimestamp, sequenceNumber, out::add);
        return out;
    }

    public void push(ByteBuf opusPayload, long rtpTimestamp, int sequenceNumber, Consumer<AacFrame> output) throws TranscodeException {
        if (opusPayload.hasArray()) {
            push(opusPayload.array(), opusPayload.arrayOffset() + opusPayload.readerIndex(), opusPayload.readableBytes(),
                rtpTimestamp, sequenceNumber, output);
        } else {
            int len = opusPayload.readableBytes();
            if (scratch.length < len) {
                scratch = new byte[len];
            }
            opusPayload.getBytes(opusPayload.readerIndex(), scratch, 0, len);
            push(scratch, 0, len, rtpTimestamp, sequenceNumber, output);
        }
    }

    /**
     * Handles one RTP packet's Opus payload; completed AAC frames go to {@code output} in order.
     *
     * @param rtpTimestamp   the RTP timestamp (48 kHz clock; only the low 32 bits are used)
     * @param sequenceNumber the RTP sequence number (only the low 16 bits are used)
     * @throws TranscodeException only for failures that are not about the input (resampler or encoder errors); a
     *                            payload the decoder rejects is counted in {@link #malformedPackets()}
     */
    public void push(byte[] data, int off, int len, long rtpTimestamp, int sequenceNumber, Consumer<AacFrame> output) throws TranscodeException {
        ensureOpen();
        java.util.Objects.checkFromIndexSize(off, len, data.length);
        int seq = sequenceNumber & 0xFFFF;
        long rtp = rtpTimestamp & 0xFFFFFFFFL;
        sink = output;
        try {
            packetsIn++;
            if (started) {
                int seqDelta = (short) (seq - lastSeq);
                if (seqDelta <= 0) {
                    lateOrDuplicate++;
                    return;
                }
                int gap = (int) (rtp - ((lastRtp + lastSamples) & 0xFFFFFFFFL)); // signed, wraps with the 32-bit clock
                if (gap > maxConcealSamples || gap < -maxConcealSamples) {
                    discontinuity(gap);
                } else if (gap > 0) {
                    conceal(gap, seqDelta > 1, data, off, len);
                }
                // a small negative gap (sender clock jitter) is absorbed: the output follows the sample count
            }
            started = true;
            lastSeq = seq;
            int n;
            try {
                n = decoder.decode(data, off, len, pcm, 0, MAX_OPUS_FRAME, false);
            } catch (OpusException | RuntimeException e) {
                // Concentus reports some malformed packets with runtime exceptions (index errors); either way the
                // packet is dropped and the next one's timestamp gap is concealed.
                malformedPackets++;
                n = -1;
            }
            if (n > 0) {
                lastRtp = rtp;
                lastSamples = n;
                feed(n);
            } else if (n == 0 || lastSamples == 0) {
                lastRtp = rtp;
            }
            encoder.encodeReady(packetSink);
        } finally {
            sink = null;
        }
    }

    private void conceal(int gap, boolean lost, byte[] data, int off, int len) {
        int remaining = gap - gap % 120; // decoder frame sizes are multiples of 2.5 ms
        int fecSamples = 0;
        if (config.useFec() && lost) {
            int packetSamples = OpusPacketInfo.getNumSamples(data, off, len, OPUS_RATE);
            if (packetSamples > 0 && packetSamples <= remaining && packetSamples <= MAX_OPUS_FRAME) {
                fecSamples = packetSamples;
            }
        }
        int plc = remaining - fecSamples;
        while (plc > 0) {
            int step = Math.min(plc, PLC_STEP);
            decodeLost(null, 0, 0, step, false);
            plc -= step;
        }
        if (fecSamples > 0) {
            fecFrames++;
            decodeLost(data, off, len, fecSamples, true);
        }
    }

    private void decodeLost(byte[] data, int off, int len, int samples, boolean fec) {
        int n;
        try {
            n = decoder.decode(data, off, len, pcm, 0, samples, fec);
        } catch (OpusException | RuntimeException e) {
            n = -1;
        }
        if (n <= 0) {
            // the decoder could not conceal: keep the timeline with silence
            java.util.Arrays.fill(pcm, 0, samples * config.channels(), (short) 0);
            n = samples;
        }
        concealedSamples += n;
        feed(n);
    }

    private void feed(int samples) {
        resampler.convertShorts(pcm, samples, encoder.fifo());
    }

    private void discontinuity(int gap) {
        discontinuities++;
        resampler.flush(encoder.fifo());
        encoder.padToFrame(packetSink);
        if (gap > 0) {
            encoder.setNextPts(encoder.nextPts() + (long) gap * config.sampleRate() / OPUS_RATE);
        }
        decoder = newDecoder();
    }

    /**
     * End of stream: completes the last partial frame with silence, drains the encoder and returns what was left.
     * The transcoder stays usable; a later push continues the timeline.
     */
    public List<AacFrame> flush() throws TranscodeException {
        ensureOpen();
        List<AacFrame> out = new ArrayList<>(4);
        sink = out::add;
        try {
            resampler.flush(encoder.fifo());
            encoder.drain(packetSink);
        } finally {
            sink = null;
        }
        return out;
    }

    /**
     * Publisher reconnected (new SSRC, sequence numbers, timestamps): completes the partial frame with silence (its
     * output is returned), resets the decoder; the next packet starts a new sequence and the output clock continues.
     */
    public List<AacFrame> reset() throws TranscodeException {
        ensureOpen();
        List<AacFrame> out = new ArrayList<>(2);
        sink = out::add;
        try {
            resampler.flush(encoder.fifo());
            encoder.padToFrame(packetSink);
        } finally {
            sink = null;
        }
        decoder = newDecoder();
        started = false;
        lastSamples = 0;
        return out;
    }

    public Config config() {
        return config;
    }

    public long packetsIn() {
        return packetsIn;
    }

    /** Packets dropped because their sequence number was not after the previous packet's. */
    public long lateOrDuplicatePackets() {
        return lateOrDuplicate;
    }

    /** Packets the Opus decoder rejected. */
    public long malformedPackets() {
        return malformedPackets;
    }

    /** Samples synthesized by PLC/FEC, counted at 48 kHz (RTP ticks) whatever the output rate. */
    public long concealedSamples() {
        return concealedSamples;
    }

    /** Lost frames recovered from in-band FEC. */
    public long fecFrames() {
        return fecFrames;
    }

    public long discontinuities() {
        return discontinuities;
    }

    public long framesOut() {
        return framesOut;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("OpusToAac is closed");
        }
    }

    /** Frees all native memory. Idempotent. */
    @Override
    public void close() {
        closed = true;
        decoder = null;
        try {
            if (resampler != null) {
                resampler.close();
            }
        } finally {
            resampler = null;
            if (encoder != null) {
                encoder.close();
            }
            encoder = null;
        }
    }
}
