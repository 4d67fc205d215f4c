package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.media.NtpTime;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One player of one Producer. Its packets go to a WebRTC transport or to an in-process {@link RtpSink}; a Consumer
 * does not care which for its lifecycle, state and quality events. For a transport it rewrites SSRC (to the one in
 * its answer), payload type (to its negotiated Opus), sequence numbers (continuous from a random start) and header
 * extensions (to its own ids and mid, see {@link HeaderExtensionMap}) into its own copy, then SRTP-protects it; a
 * sink gets the Producer's packet unchanged (a retained duplicate).
 * Lifecycle: requesting → playing (first packet forwarded) → closed; closed is final. Its media loop ({@link #shard})
 * only: the Producer's, or (a client's bundle placed elsewhere) another one, reached through a {@link Relay}.
 */
public final class Consumer extends MediaEndpoint {
    private static final Logger log = LoggerFactory.getLogger(Consumer.class);
    /** The BYE's reason text when the stream ends (PROTOCOL.md). */
    static final String BYE_REASON = "publisher stopped";

    final MediaPlane plane;
    /** The media loop it lives on: its Producer's, or its bundle's. */
    final MediaLoop shard;
    final Producer producer;
    final MediaObserver observer;
    final String answer;
    final long ssrc;
    final String cname;
    final int payloadType;
    final HeaderExtensionMap extensions;
    final PlayerRewrite.PayloadTypes payloadTypes;
    /** For a sink: RED stripped to the publisher's own Opus. */
    private final PlayerRewrite.PayloadTypes sinkPayloadTypes;
    /** Exactly one of these is set (before the Consumer reaches the media loop). */
    WebRtcTransport transport;
    RtpSink sink;
    private int seqOffset;
    private boolean seqStarted;
    private boolean playing;
    private boolean closed;
    private volatile boolean ended;
    private long packetsSent;
    private long bytesSent;
    private long lastRtpTimestamp;
    private long lastRtpNanos;
    private int lastFractionLost;
    private long lastCumulativeLost;
    private double jitterMillis;
    private double rttMillis = -1;
    /** The totals when the current quality period started. */
    private QualitySample qualityFrom = QualitySample.start(0);
    /** Made at the first NACK: most players never lose a packet. */
    private RetransmitLimiter rtxLimiter;

    Consumer(MediaPlane plane, Producer producer, MediaObserver observer, String answer, long ssrc, String cname,
             int payloadType) {
        this(plane, producer, observer, answer, ssrc, cname, payloadType, HeaderExtensionMap.NONE, -1);
    }

    /** @param redPayloadType the player's RED payload type, or -1 when it did not negotiate RED */
    Consumer(MediaPlane plane, Producer producer, MediaObserver observer, String answer, long ssrc, String cname,
             int payloadType, HeaderExtensionMap extensions, int redPayloadType) {
        this(producer.shard, producer, observer, answer, ssrc, cname, payloadType, extensions, redPayloadType);
    }

    /** On {@code shard}: the Producer's loop, or a bundle's on another loop (then packets come through a relay). */
    Consumer(MediaLoop shard, Producer producer, MediaObserver observer, String answer, long ssrc, String cname,
             int payloadType, HeaderExtensionMap extensions, int redPayloadType) {
        this.shard = shard;
        this.extensions = extensions;
        this.payloadTypes = new PlayerRewrite.PayloadTypes(producer.opusPayloadType, producer.redPayloadType,
                payloadType, redPayloadType);
        this.sinkPayloadTypes = new PlayerRewrite.PayloadTypes(producer.opusPayloadType, producer.redPayloadType,
                producer.opusPayloadType, -1);
        this.plane = shard.plane;
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

    @Override
    boolean ended() {
        return ended;
    }

    /** Copies, rewrites and sends one plaintext packet of the Producer. */
    void forward(ByteBuf plain, int producerSeq, long timestamp, long nowNanos, boolean retransmission) {
        if (sink != null) {
            if (!closed) {
                int len = plain.readableBytes();
                ByteBuf toSink = producer.redPayloadType < 0 ? plain.retainedDuplicate() : sinkCopy(plain, producerSeq);
                if (toSink != null) {
                    sink.onRtp(toSink);
                    counted(len, timestamp, nowNanos);
                }
            }
            return;
        }
        if (transport == null || !transport.connected()) {
            return;
        }
        if (!seqStarted) {
            seqStarted = true;
            seqOffset = ThreadLocalRandom.current().nextInt(1 << 15) - producerSeq;
        }
        RtpPacket in = shard.forwardView;
        if (in.wrap(plain) != RtpPacket.Status.OK) {
            return; // the Producer checked it; a cached packet cannot change
        }
        int len = plain.readableBytes();
        int outLength = PlayerRewrite.length(in, extensions, payloadTypes);
        if (outLength < 0) {
            plane.counters().drop(DropReason.MALFORMED); // RED whose blocks do not fit its payload
            return;
        }
        ByteBuf out = shard.alloc().buffer(outLength + MediaPlane.SRTP_OVERHEAD);
        PlayerRewrite.write(in, extensions, payloadTypes, (producerSeq + seqOffset) & 0xFFFF, ssrc, out);
        transport.writeRtp(out);
        if (retransmission) {
            plane.counters().retransmissions.increment();
            return;
        }
        counted(len, timestamp, nowNanos);
    }

    /**
     * A sink decodes plain Opus: a RED packet reaches it as a copy stripped to its primary block (with the publisher's
     * Opus payload type, sequence number and SSRC; no header extensions); anything else as a retained duplicate.
     */
    private ByteBuf sinkCopy(ByteBuf plain, int producerSeq) {
        RtpPacket in = shard.forwardView;
        if (in.wrap(plain) != RtpPacket.Status.OK || in.payloadType() != producer.redPayloadType) {
            return plain.retainedDuplicate();
        }
        PlayerRewrite.PayloadTypes strip = sinkPayloadTypes;
        int length = PlayerRewrite.length(in, HeaderExtensionMap.NONE, strip);
        if (length < 0) {
            plane.counters().drop(DropReason.MALFORMED);
            return null;
        }
        ByteBuf copy = shard.alloc().buffer(length);
        PlayerRewrite.write(in, HeaderExtensionMap.NONE, strip, producerSeq, in.ssrc(), copy);
        return copy;
    }

    private void counted(int len, long timestamp, long nowNanos) {
        packetsSent++;
        bytesSent += len;
        lastRtpTimestamp = timestamp;
        lastRtpNanos = nowNanos;
        if (!playing) {
            playing = true;
            qualityFrom = QualitySample.start(nowNanos);
            observer.onEvent(new MediaEvent.PlayerStateChanged(PlayState.PLAYING, 0, EndReason.NONE, ""));
        }
    }

    @Override
    MediaObserver observer() {
        return observer;
    }

    @Override
    MediaLoop shard() {
        return shard;
    }

    /** Joins the Producer's fan-out: directly on the same loop, else through this loop's relay of it; this loop. */
    void attachToProducer() {
        if (producer.shard == shard) {
            producer.attach(this);
        } else {
            Relay.attach(this);
        }
    }

    private void detachFromProducer() {
        if (producer.shard == shard) {
            producer.detach(this);
        } else {
            Relay r = shard.relays.get(producer);
            if (r != null) {
                r.detach(this);
            }
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
                    long nowCompact = NtpTime.compact(NtpTime.fromUnixMillis(plane.clock().wallMillis()));
                    long rtt = NtpTime.rttMillis(nowCompact, b.lastSr(), b.delaySinceLastSr());
                    if (rtt >= 0) {
                        rttMillis = rtt;
                    }
                }
            }
        } else if (packet instanceof RtcpPacket.Nack nack) {
            answerNack(nack, nowNanos);
        } else if (packet instanceof RtcpPacket.Pli || packet instanceof RtcpPacket.Fir) {
            producer.requestKeyframe(nowNanos);
        }
    }

    /** Resends what the player lost from the Producer's cache, within {@link RetransmitLimiter}'s limits. */
    private void answerNack(RtcpPacket.Nack nack, long nowNanos) {
        if (transport == null || !seqStarted) {
            return;
        }
        if (rtxLimiter == null) {
            rtxLimiter = new RetransmitLimiter();
        }
        long interval = RetransmitLimiter.intervalNanos(rttMillis);
        int maxResends = plane.config().nackMaxResends();
        double budget = Math.max(RetransmitLimiter.MIN_BUDGET_BYTES_PER_SECOND,
                producer.bytesPerSecond * plane.config().retransmitBudgetPercent() / 100.0);
        int[] producerSeqs = nack.lostSequenceNumbers();
        for (int i = 0; i < producerSeqs.length; i++) {
            producerSeqs[i] = (producerSeqs[i] - seqOffset) & 0xFFFF;
        }
        if (producer.shard == shard) {
            ByteBuf[] cached = new ByteBuf[producerSeqs.length];
            for (int i = 0; i < cached.length; i++) {
                cached[i] = producer.cached(producerSeqs[i]);
            }
            resend(producerSeqs, cached, nowNanos, interval, maxResends, budget);
            return;
        }
        // The cache lives on the Producer's loop: fetch retained duplicates there, resend here, release.
        producer.shard.execute(() -> {
            ByteBuf[] cached = producer.cachedRetained(producerSeqs);
            boolean queued = shard.execute(() -> {
                try {
                    if (!closed) {
                        resend(producerSeqs, cached, nowNanos, interval, maxResends, budget);
                    }
                } finally {
                    for (ByteBuf b : cached) {
                        if (b != null) {
                            b.release();
                        }
                    }
                }
            });
            if (!queued) {
                for (ByteBuf b : cached) {
                    if (b != null) {
                        b.release();
                    }
                }
            }
        });
    }

    private void resend(int[] producerSeqs, ByteBuf[] cached, long nowNanos, long interval, int maxResends,
                        double budget) {
        boolean sent = false;
        for (int i = 0; i < producerSeqs.length; i++) {
            int producerSeq = producerSeqs[i];
            RetransmitRefusal no = cached[i] == null ? RetransmitRefusal.NOT_CACHED
                    : rtxLimiter.admit(producerSeq, cached[i].readableBytes(), nowNanos, interval, maxResends, budget);
            if (no != null) {
                plane.counters().refuse(no);
                continue;
            }
            forward(cached[i], producerSeq, 0, nowNanos, true);
            sent = true;
        }
        if (sent) {
            shard.flush();
        }
    }

    @Override
    void transportFailed(String why) {
        if (closed) {
            return;
        }
        log.info("player media failed ({}): {}", this, why);
        observer.onEvent(new MediaEvent.PlayerStateChanged(PlayState.NO_PLAY, ErrorCode.PLAY_MEDIA_FAILED,
                EndReason.MEDIA_FAILED, why));
        observer.onEvent(new MediaEvent.Failed(ErrorCode.PLAY_MEDIA_FAILED, why));
        close();
    }

    @Override
    void peerClosed() {
        if (closed) {
            return;
        }
        observer.onEvent(new MediaEvent.PlayerStateChanged(PlayState.NO_PLAY, 0, EndReason.PEER_CLOSED, ""));
        close();
    }

    /**
     * The Producer closed: an RTCP BYE for this player's SSRC (so a stack that ignores signalling ends the track),
     * then NO_PLAY, then everything is freed.
     */
    void publisherGone() {
        if (closed) {
            return;
        }
        sendBye();
        observer.onEvent(new MediaEvent.PlayerStateChanged(PlayState.NO_PLAY, 0, EndReason.PUBLISHER_STOPPED, ""));
        close();
    }

    /** RFC 3550 6.1, 6.6: BYE ends a compound packet of a report (SR once media was sent, else an empty RR) and SDES. */
    private void sendBye() {
        if (transport == null || !transport.connected()) {
            return;
        }
        RtcpPacket report = packetsSent == 0 ? new RtcpPacket.ReceiverReport(ssrc, List.of())
                : new RtcpPacket.SenderReport(ssrc, NtpTime.fromUnixMillis(plane.clock().wallMillis()),
                        lastRtpTimestamp, packetsSent & 0xFFFFFFFFL, bytesSent & 0xFFFFFFFFL, List.of());
        transport.sendRtcp(List.of(report, new RtcpPacket.SourceDescription(List.of(new RtcpPacket.SdesChunk(ssrc, cname))),
                new RtcpPacket.Bye(List.of(ssrc), BYE_REASON)));
    }

    void sendSenderReport(long nowNanos) {
        if (transport == null || !transport.connected() || packetsSent == 0) {
            return;
        }
        long ntp = NtpTime.fromUnixMillis(plane.clock().wallMillis());
        long rtpTime = (lastRtpTimestamp + (nowNanos - lastRtpNanos) * MediaPlane.OPUS_CLOCK_RATE / 1_000_000_000L) & 0xFFFFFFFFL;
        transport.sendRtcp(List.of(
                new RtcpPacket.SenderReport(ssrc, ntp, rtpTime, packetsSent & 0xFFFFFFFFL, bytesSent & 0xFFFFFFFFL, List.of()),
                new RtcpPacket.SourceDescription(List.of(new RtcpPacket.SdesChunk(ssrc, cname)))));
    }

    /**
     * One quality period ends now: a snapshot of the totals goes to the observer, which computes the figures off this
     * loop. A period shorter than {@link MediaPlane#MIN_QUALITY_PERIOD_NANOS} waits for the next turn.
     */
    void reportQuality(long nowNanos) {
        if (!playing || closed || nowNanos - qualityFrom.nanos() < MediaPlane.MIN_QUALITY_PERIOD_NANOS) {
            return;
        }
        QualitySample to = new QualitySample(nowNanos, packetsSent, bytesSent, lastCumulativeLost, lastFractionLost,
                jitterMillis, rttMillis);
        observer.onEvent(new MediaEvent.QualityMeasured(qualityFrom, to));
        qualityFrom = to;
    }

    /** Detaches from the Producer and closes the transport; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        ended = true;
        detachFromProducer();
        if (bundle != null) {
            bundle.detach(this);
        } else if (transport != null) {
            transport.close();
        }
        shard.forget(this);
        if (sink != null) {
            sink.onClose();
        }
    }

    @Override
    public String toString() {
        return "player " + observer.who() + " ssrc=" + ssrc;
    }
}
