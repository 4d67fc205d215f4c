package io.parley.server.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.parley.protocol.media.RtpPacket;
import io.parley.server.rtmp.EndReason;
import io.parley.server.rtmp.LocalListener;
import io.parley.server.sfu.LocalProducer;
import io.parley.transcode.AacToOpus;
import io.parley.transcode.OpusFrame;
import io.parley.transcode.TranscodeException;
import io.parley.transcode.TranscodePool;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RTMP → WebRTC for one stream: an in-process subscriber of the RTMP stream whose AAC is decoded, resampled and
 * encoded to 20 ms Opus frames on a transcode-pool strand (never on an event loop), then sent into the SFU as
 * RTP on a {@link LocalProducer}: one SSRC, gapless sequence numbers from a random start, RTP timestamps from the
 * RTMP timestamps. Runs only while the stream has WebRTC players ({@link RtmpBridge} opens and closes it).
 * Lifecycle: waiting for the AudioSpecificConfig → transcoding → closed; closed is final.
 */
final class AacToOpusFeed implements LocalListener {
    private static final Logger log = LoggerFactory.getLogger(AacToOpusFeed.class);
    static final int OPUS_PT = 111;

    private final LocalProducer producer;
    private final long ssrc;
    private final TranscodePool.Strand strand;
    private final String who;
    // strand only:
    private AacToOpus transcoder;
    private int seq = ThreadLocalRandom.current().nextInt(0x10000);
    private final long tsOffset = ThreadLocalRandom.current().nextLong(1L << 32);
    private boolean first = true;

    AacToOpusFeed(LocalProducer producer, long ssrc, TranscodePool pool, String who) {
        this.producer = producer;
        this.ssrc = ssrc;
        this.strand = pool.newStrand("aac-opus " + who);
        this.who = who;
    }

    @Override
    public void onSequenceHeader(boolean video, ByteBuf body) {
        if (video || body.readableBytes() < 3) {
            return;
        }
        byte[] asc = new byte[body.readableBytes() - 2]; // FLV audio tag: 0xAF 0x00 AudioSpecificConfig
        body.getBytes(body.readerIndex() + 2, asc);
        strand.execute(() -> {
            try {
                if (transcoder == null) {
                    transcoder = new AacToOpus(asc);
                } else {
                    transcoder.reset(asc);
                }
            } catch (TranscodeException e) {
                log.warn("{}: AAC sequence header refused: {}", who, e.getMessage());
                closeTranscoder();
            }
        });
    }

    @Override
    public void onAudio(ByteBuf body, int timestampMs) {
        if (body.readableBytes() < 3 || (body.getByte(body.readerIndex()) & 0xF0) != 0xA0) {
            return; // not AAC (the mini-program pushes AAC only)
        }
        byte[] raw = new byte[body.readableBytes() - 2]; // 0xAF 0x01 raw AAC frame
        body.getBytes(body.readerIndex() + 2, raw);
        strand.execute(() -> transcode(raw, timestampMs));
    }

    private void transcode(byte[] raw, int timestampMs) {
        if (transcoder == null) {
            return; // no sequence header yet, or a refused one
        }
        try {
            transcoder.push(raw, 0, raw.length, timestampMs & 0xFFFFFFFFL, this::send);
        } catch (TranscodeException e) {
            log.debug("{}: AAC frame dropped: {}", who, e.getMessage());
        }
    }

    private void send(OpusFrame f) {
        ByteBuf rtp = ByteBufAllocator.DEFAULT.buffer(RtpPacket.FIXED_HEADER_LENGTH + f.payload().length);
        RtpPacket.writeHeader(rtp, OPUS_PT, first, seq, (f.rtpTimestamp() + tsOffset) & 0xFFFFFFFFL, ssrc, 0, false, 0);
        rtp.writeBytes(f.payload());
        first = false;
        seq = (seq + 1) & 0xFFFF;
        producer.deliver(rtp);
    }

    @Override
    public void onEnd(EndReason reason) {
        close();
    }

    /** Stops transcoding; the transcoder's native memory is freed on the strand after queued work. Any thread. */
    void close() {
        strand.close(this::closeTranscoder);
    }

    private void closeTranscoder() {
        if (transcoder != null) {
            transcoder.close();
            transcoder = null;
        }
    }
}
