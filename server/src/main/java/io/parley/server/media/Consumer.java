package io.parley.server.media;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.media.NtpTime;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.signal.Messages;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One player of one Producer. It rewrites SSRC (to the one in its answer), payload type (to its negotiated
 * Opus) and sequence numbers (continuous from a random start) into its own copy, then SRTP-protects it.
 * Lifecycle: requesting → playing (first packet forwarded) → closed; closed is final. Media loop only.
 */
public final class Consumer extends MediaEndpoint {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Consumer.class);

    final MediaPlane plane;
    final Producer producer;
    final MediaObserver observer;
    final String answer;
    final long ssrc;
    final String cname;
    final int payloadType;
    MediaTransport transport;
    private int seqOffset;
    private boolean seqStarted;
    private boolean playing;
    private boolean closed;
    private volatile boolean ended;
    private long packetsSent;
    private long bytesSent;
    private long lastRtpTimestamp;
    private long lastRtpNanos;
    private long packetsPriorQ;
    private long bytesPriorQ;
    private int lastFractionLost;
    private long lastCumulativeLost;
    private long cumulativeLostPriorQ;
    private double jitterMillis;
    private double rttMillis = -1;

    Consumer(MediaPlane plane, Producer producer, MediaObserver observer, String answer, long ssrc, String cname,
             int payloadType) {
        this.plane = plane;
        this.producer = producer;
        this.observer = observer;
        this.answer = answer;
        this.ssrc = ssrc;
        this.cname = cname;
        this.payloadType = payloadType;
    }

    public String answer() {
        return answer;
    }

    /** True once closed for any reason (stopPlaying, publisher gone, transport failure); any thread. */
    public boolean isEnded() {
        return ended;
    }

    /** Copies, rewrites and sends one plaintext packet of the Producer. */
    void forward(ByteBuf plain, int producerSeq, long timestamp, long nowNanos, boolean retransmission) {
        if (transport == null || !transport.connected()) {
            return;
        }
        if (!seqStarted) {
            seqStarted = true;
            seqOffset = ThreadLocalRandom.current().nextInt(1 << 15) - producerSeq;
        }
        int len = plain.readableBytes();
        ByteBuf out = plane.channel().alloc().buffer(len + MediaPlane.SRTP_OVERHEAD);
        out.writeBytes(plain, plain.readerIndex(), len);
        out.setByte(1, (out.getByte(1) & 0x80) | payloadType);
        out.setShort(2, (producerSeq + seqOffset) & 0xFFFF);
        out.setInt(8, (int) ssrc);
        transport.writeRtp(out);
        if (retransmission) {
            plane.counters().retransmissions.increment();
            return;
        }
        packetsSent++;
        bytesSent += len;
        lastRtpTimestamp = timestamp;
        lastRtpNanos = nowNanos;
        if (!playing) {
            playing = true;
            observer.state("PLAYING", 0, "");
        }
    }

    @Override
    boolean acceptsRtpFrom(ByteBuf packet) {
        return false; // players send RTCP only
    }

    @Override
    void onRtp(ByteBuf plaintext, long nowNanos) {
        plane.counters().drop(DropReason.UNKNOWN_SSRC);
    }

    @Override
    void onRtcp(RtcpPacket packet, long nowNanos) {
        if (packet instanceof RtcpPacket.ReceiverReport rr) {
            for (RtcpPacket.ReportBlock b : rr.reports()) {
                if (b.ssrc() == ssrc) {
                    lastFractionLost = b.fractionLost();
                    lastCumulativeLost = b.cumulativeLost();
                    jitterMillis = b.jitter() * 1000.0 / MediaPlane.OPUS_CLOCK_RATE;
                    long nowCompact = NtpTime.compact(NtpTime.fromUnixMillis(System.currentTimeMillis()));
                    long rtt = NtpTime.rttMillis(nowCompact, b.lastSr(), b.delaySinceLastSr());
                    if (rtt >= 0) {
                        rttMillis = rtt;
                    }
                }
            }
        } else if (packet instanceof RtcpPacket.Nack nack) {
            for (int seq : nack.lostSequenceNumbers()) {
                int producerSeq = (seq - seqOffset) & 0xFFFF;
                ByteBuf cached = producer.cached(producerSeq);
                if (cached != null) {
                    forward(cached, producerSeq, 0, nowNanos, true);
                }
            }
            plane.channel().flush();
        } else if (packet instanceof RtcpPacket.Pli || packet instanceof RtcpPacket.Fir) {
            producer.requestKeyframe(nowNanos);
        }
    }

    @Override
    void connected() {
    }

    @Override
    void transportFailed(String why) {
        if (closed) {
            return;
        }
        log.info("player media failed ({}): {}", this, why);
        observer.state("NO_PLAY", ErrorCode.PLAY_MEDIA_FAILED, why);
        observer.ended(ErrorCode.PLAY_MEDIA_FAILED, why);
        close();
    }

    @Override
    void peerClosed() {
        if (closed) {
            return;
        }
        observer.state("NO_PLAY", 0, "{\"reason\":\"peer_closed\"}");
        close();
    }

    /** The Producer closed: tell the player and free everything. */
    void publisherGone() {
        if (closed) {
            return;
        }
        observer.state("NO_PLAY", 0, "{\"reason\":\"publisher_stopped\"}");
        close();
    }

    void sendSenderReport(long nowNanos) {
        if (transport == null || !transport.connected() || packetsSent == 0) {
            return;
        }
        long ntp = NtpTime.fromUnixMillis(System.currentTimeMillis());
        long rtpTime = (lastRtpTimestamp + (nowNanos - lastRtpNanos) * MediaPlane.OPUS_CLOCK_RATE / 1_000_000_000L) & 0xFFFFFFFFL;
        transport.sendRtcp(List.of(
                new RtcpPacket.SenderReport(ssrc, ntp, rtpTime, packetsSent & 0xFFFFFFFFL, bytesSent & 0xFFFFFFFFL, List.of()),
                new RtcpPacket.SourceDescription(List.of(new RtcpPacket.SdesChunk(ssrc, cname)))));
    }

    void reportQuality(double periodSeconds) {
        if (!playing || closed) {
            return;
        }
        long packets = packetsSent - packetsPriorQ;
        long bytes = bytesSent - bytesPriorQ;
        long lost = Math.max(0, lastCumulativeLost - cumulativeLostPriorQ);
        packetsPriorQ = packetsSent;
        bytesPriorQ = bytesSent;
        cumulativeLostPriorQ = lastCumulativeLost;
        observer.quality(new Messages.MediaStats(Producer.round(bytes * 8 / periodSeconds / 1000.0), packets, lost,
                Producer.round4(lastFractionLost / 256.0), Producer.round(jitterMillis), Producer.round(rttMillis)));
    }

    /** Detaches from the Producer and closes the transport; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        ended = true;
        producer.detach(this);
        if (transport != null) {
            transport.close();
        }
        plane.forget(this);
    }

    @Override
    public String toString() {
        return "player " + observer.who() + " ssrc=" + ssrc;
    }
}
