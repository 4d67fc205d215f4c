package io.parley.server.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.parley.protocol.media.RtpPacket;
import io.parley.server.rtmp.LocalPublisher;
import io.parley.server.sfu.RtpSink;
import io.parley.transcode.AacFrame;
import io.parley.transcode.OpusToAac;
import io.parley.transcode.TranscodeException;
import io.parley.transcode.TranscodePool;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebRTC → RTMP/HTTP-FLV for one stream: an in-process Consumer of the stream's Producer whose Opus is decoded (loss
 * concealed), encoded to AAC-LC on a transcode-pool strand (never on the media loop) and published into the live
 * hub as FLV audio tags (metadata, the AAC sequence header, then raw frames), so every FLV and RTMP player of the
 * stream shares this one transcoder. Runs only while the stream has FLV/RTMP players ({@link RtmpBridge}).
 * Lifecycle: transcoding → closed; closed is final.
 */
final class OpusToAacFeed implements RtpSink {
    private static final Logger log = LoggerFactory.getLogger(OpusToAacFeed.class);

    private final LocalPublisher publisher;
    private final TranscodePool.Strand strand;
    private final String who;
    private final RtpPacket view = new RtpPacket(); // media loop only
    // strand only:
    private OpusToAac transcoder;
    private boolean headerSent;
    private long baseMillis = -1;

    OpusToAacFeed(LocalPublisher publisher, TranscodePool pool, String who) {
        this.publisher = publisher;
        this.strand = pool.newStrand("opus-aac " + who);
        this.who = who;
    }

    /** Media loop: copies the Opus payload out and hands it to the strand. */
    @Override
    public void onRtp(ByteBuf rtp) {
        try {
            if (view.wrap(rtp) != RtpPacket.Status.OK || view.payloadLength() == 0) {
                return;
            }
            byte[] opus = new byte[view.payloadLength()];
            rtp.getBytes(view.payloadOffset(), opus);
            long ts = view.timestamp();
            int seq = view.sequenceNumber();
            strand.execute(() -> transcode(opus, ts, seq));
        } finally {
            rtp.release();
        }
    }

    private void transcode(byte[] opus, long rtpTimestamp, int seq) {
        try {
            if (transcoder == null) {
                transcoder = new OpusToAac();
            }
            transcoder.push(opus, 0, opus.length, rtpTimestamp, seq, this::publish);
        } catch (TranscodeException e) {
            log.debug("{}: Opus packet dropped: {}", who, e.getMessage());
        }
    }

    private void publish(AacFrame f) {
        if (baseMillis < 0) {
            baseMillis = f.timestampMillis();
        }
        int ts = (int) (f.timestampMillis() - baseMillis);
        if (!headerSent) {
            headerSent = true;
            OpusToAac.Config c = transcoder.config();
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("audiocodecid", 10.0);
            meta.put("audiosamplerate", (double) c.sampleRate());
            meta.put("audiosamplesize", 16.0);
            meta.put("stereo", c.channels() == 2);
            meta.put("audiodatarate", c.bitrate() / 1000.0);
            publisher.metadata(meta);
            byte[] asc = transcoder.audioSpecificConfig();
            ByteBuf header = ByteBufAllocator.DEFAULT.buffer(2 + asc.length);
            header.writeByte(0xAF).writeByte(0).writeBytes(asc);
            publisher.audio(header, ts);
        }
        ByteBuf body = ByteBufAllocator.DEFAULT.buffer(2 + f.raw().length);
        body.writeByte(0xAF).writeByte(1).writeBytes(f.raw());
        publisher.audio(body, ts);
    }

    /** The Consumer closed (the stream ended or the feed was stopped). */
    @Override
    public void onClose() {
        close();
    }

    /**
     * Stops transcoding: the hub stream ends now (so that a player arriving next starts a fresh feed), the
     * transcoder's native memory is freed on the strand after queued work. Any thread, idempotent.
     */
    void close() {
        publisher.close();
        strand.close(() -> {
            if (transcoder != null) {
                transcoder.close();
                transcoder = null;
            }
        });
    }
}
