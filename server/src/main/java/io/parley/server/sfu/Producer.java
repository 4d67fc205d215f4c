package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.ErrorCode;
import io.parley.media.rtp.ReceptionStats;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A published stream's media source. Each RTP packet it receives goes to every Consumer in {@link #consumers}
 * (an immutable snapshot, replaced on attach/detach) on its media loop ({@link #shard}), and once, as one retained
 * duplicate, to each other loop that has Consumers of it ({@link Relay}). Packets come from a WebRTC transport
 * (a publisher's SDP offer) or from an in-process source ({@link LocalProducer#deliver}); a Producer does not
 * care which: fan-out, the NACK cache, quality and state events are the same.
 * Lifecycle: requesting → publishing (first packet) → closed; closed is final. A stream published without
 * an SDP offer has a Producer with no source: players may attach and wait.
 */
public final class Producer extends MediaEndpoint {
    private static final Logger log = LoggerFactory.getLogger(Producer.class);

    private static final Consumer[] NONE = new Consumer[0];
    private static final Relay[] NO_RELAYS = new Relay[0];
    private static final long KEYFRAME_REQUEST_INTERVAL_NANOS = 1_000_000_000L;

    final MediaPlane plane;
    /** The media loop it lives on (its room's, or its bundle's). */
    final MediaLoop shard;
    final String streamId;
    final MediaObserver observer;
    final String answer;
    final long serverSsrc;
    /** The publisher's negotiated header extensions (URI → id); empty for an in-process source. */
    final Map<String, Integer> extensions;
    /** The publisher's Opus and RED (RFC 2198) payload types; -1 when unknown or not negotiated. */
    final int opusPayloadType;
    final int redPayloadType;
    /** The WebRTC path its packets arrive on; null for a stream announced without media or fed in-process. */
    WebRtcTransport transport;
    Consumer[] consumers = NONE;
    /** Other loops with Consumers of this Producer; an immutable snapshot, like {@link #consumers}. */
    private Relay[] relays = NO_RELAYS;
    /** Consumers on other loops, as their relays reported them. */
    private int relayedConsumers;
    private final RetransmissionCache rtx = new RetransmissionCache();
    private final ReceptionStats stats = new ReceptionStats(MediaPlane.OPUS_CLOCK_RATE);
    private long ssrc;
    private boolean publishing;
    private long lastKeyframeRequestNanos = Long.MIN_VALUE / 2;
    private boolean closed;
    private volatile boolean ended;
    /** The totals when the current quality period started. */
    private QualitySample qualityFrom = QualitySample.start(0);
    private long rateBytesPrior;
    private long rateSinceNanos = -1;
    /** Bytes per second received in the last measured second; sets the players' retransmission budgets (any loop). */
    volatile double bytesPerSecond;

    /** On the plane's first loop (tests, benchmarks). */
    Producer(MediaPlane plane, String streamId, MediaObserver observer, String answer, long expectedSsrc, long serverSsrc) {
        this(plane.firstLoop(), streamId, observer, answer, expectedSsrc, serverSsrc, Map.of(), -1, -1);
    }

    Producer(MediaPlane plane, String streamId, MediaObserver observer, String answer, long expectedSsrc, long serverSsrc,
             Map<String, Integer> extensions, int opusPayloadType, int redPayloadType) {
        this(plane.firstLoop(), streamId, observer, answer, expectedSsrc, serverSsrc, extensions, opusPayloadType,
                redPayloadType);
    }

    Producer(MediaLoop shard, String streamId, MediaObserver observer, String answer, long expectedSsrc, long serverSsrc) {
        this(shard, streamId, observer, answer, expectedSsrc, serverSsrc, Map.of(), -1, -1);
    }

    Producer(MediaLoop shard, String streamId, MediaObserver observer, String answer, long expectedSsrc, long serverSsrc,
             Map<String, Integer> extensions, int opusPayloadType, int redPayloadType) {
        this.shard = shard;
        this.extensions = Map.copyOf(extensions);
        this.opusPayloadType = opusPayloadType;
        this.redPayloadType = redPayloadType;
        this.plane = shard.plane;
        this.streamId = streamId;
        this.observer = observer;
        this.answer = answer;
        this.ssrc = expectedSsrc;
        this.serverSsrc = serverSsrc;
    }

    /** The SDP answer for the publisher, or null for a stream published without media. */
    public String answer() {
        return answer;
    }

    public String streamId() {
        return streamId;
    }

    @Override
    MediaObserver observer() {
        return observer;
    }

    @Override
    MediaLoop shard() {
        return shard;
    }

    @Override
    boolean acceptsRtpFrom(ByteBuf packet) {
        return ssrc < 0 || packet.readableBytes() < 12 || packet.getUnsignedInt(packet.readerIndex() + 8) == ssrc;
    }

    @Override
    void onRtp(ByteBuf plain, long nowNanos) {
        RtpPacket rtp = shard.rtpView;
        if (rtp.wrap(plain) != RtpPacket.Status.OK) {
            plane.counters().drop(DropReason.MALFORMED);
            return;
        }
        if (ssrc < 0) {
            ssrc = rtp.ssrc();
        }
        int len = plain.readableBytes();
        plane.counters().rtpPacketsIn.increment();
        plane.counters().rtpBytesIn.add(len);
        int seq = rtp.sequenceNumber();
        stats.onPacket(seq, rtp.timestamp(), len, nowNanos);
        rtx.put(shard.alloc(), seq, plain);
        if (!publishing) {
            publishing = true;
            qualityFrom = QualitySample.start(nowNanos);
            observer.onEvent(new MediaEvent.PublisherStateChanged(PublishState.PUBLISHING, 0, EndReason.NONE, ""));
        }
        for (Relay r : relays) {
            // Before the local copies: the other loop works on its share while this one makes them.
            plane.counters().relayed.increment();
            r.handOver(plain.retainedDuplicate(), seq, rtp.timestamp(), nowNanos);
        }
        Consumer[] to = consumers;
        if (to.length > 0) {
            for (Consumer c : to) {
                c.forward(plain, seq, rtp.timestamp(), nowNanos, false);
            }
            plane.recordForward(nowNanos);
        }
    }

    /** A relay on another loop gained ({@code +1}) or lost ({@code -1}) a Consumer; this loop. */
    void relayChanged(Relay r, int delta) {
        if (closed) {
            if (delta > 0) {
                r.shard.execute(r::producerGone);
            }
            return;
        }
        r.countOnProducer += delta;
        if (delta > 0 && r.countOnProducer == delta) {
            Relay[] next = Arrays.copyOf(relays, relays.length + 1);
            next[relays.length] = r;
            relays = next;
        } else if (r.countOnProducer <= 0) {
            relays = Arrays.stream(relays).filter(x -> x != r).toArray(Relay[]::new);
        }
        relayedConsumers += delta;
        consumersChanged();
    }

    /** The cached packets for a NACK of a player on another loop, each retained (or null): the caller releases them. */
    ByteBuf[] cachedRetained(int[] seqs) {
        ByteBuf[] out = new ByteBuf[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
            ByteBuf b = rtx.get(seqs[i]);
            out[i] = b == null ? null : b.retainedDuplicate();
        }
        return out;
    }

    @Override
    void onRtcp(RtcpPacket packet, long nowNanos) {
        if (packet instanceof RtcpPacket.SenderReport sr) {
            stats.onSenderReport(sr.ntpTime(), nowNanos);
        }
    }

    /** A player asked for a keyframe: pass it upstream, at most once a second. Any loop. */
    void requestKeyframe(long nowNanos) {
        if (!shard.inLoop()) {
            shard.execute(() -> requestKeyframe(nowNanos));
            return;
        }
        if (transport == null || ssrc < 0 || nowNanos - lastKeyframeRequestNanos < KEYFRAME_REQUEST_INTERVAL_NANOS) {
            return;
        }
        lastKeyframeRequestNanos = nowNanos;
        transport.sendRtcp(List.of(new RtcpPacket.Pli(serverSsrc, ssrc)));
    }

    /** The cached plaintext packet for a NACK, or null. */
    ByteBuf cached(int seq) {
        return rtx.get(seq);
    }

    @Override
    void transportFailed(String why) {
        if (closed) {
            return;
        }
        log.info("publisher media failed ({}): {}", this, why);
        observer.onEvent(new MediaEvent.PublisherStateChanged(PublishState.NO_PUBLISH, ErrorCode.PUBLISH_MEDIA_FAILED,
                EndReason.MEDIA_FAILED, why));
        observer.onEvent(new MediaEvent.Failed(ErrorCode.PUBLISH_MEDIA_FAILED, why));
        close();
    }

    @Override
    void peerClosed() {
        if (closed || transport == null) {
            return;
        }
        if (bundle == null) {
            transport.close(); // a bundled transport closes itself (SessionTransport.peerClosed)
        }
        observer.onEvent(new MediaEvent.PublisherStateChanged(PublishState.NO_PUBLISH, 0, EndReason.PEER_CLOSED, ""));
    }

    void attach(Consumer c) {
        if (closed) {
            c.publisherGone();
            return;
        }
        Consumer[] next = Arrays.copyOf(consumers, consumers.length + 1);
        next[consumers.length] = c;
        consumers = next;
        consumersChanged();
    }

    /** Told the number of Consumers each time it changes (media loop); set by {@link LocalProducer#onConsumers}. */
    IntConsumer consumerListener;

    /** Tells the listener the count now (it was just set); this loop. */
    void consumersChangedNow() {
        consumersChanged();
    }

    private void consumersChanged() {
        IntConsumer l = consumerListener;
        if (l != null) {
            l.accept(consumers.length + relayedConsumers);
        }
    }

    void detach(Consumer c) {
        int n = 0;
        Consumer[] next = new Consumer[consumers.length];
        for (Consumer x : consumers) {
            if (x != c) {
                next[n++] = x;
            }
        }
        int before = consumers.length;
        consumers = n == 0 ? NONE : Arrays.copyOf(next, n);
        if (consumers.length != before) {
            consumersChanged();
        }
    }

    /** Once a second (on its report tick): how many bytes per second this stream carries. */
    void measureRate(long nowNanos) {
        long bytes = stats.bytes();
        if (rateSinceNanos >= 0 && nowNanos > rateSinceNanos) {
            bytesPerSecond = (bytes - rateBytesPrior) * 1e9 / (nowNanos - rateSinceNanos);
        }
        rateBytesPrior = bytes;
        rateSinceNanos = nowNanos;
    }

    void sendReceiverReport(long nowNanos) {
        if (transport == null || !transport.connected()) {
            return;
        }
        RtcpPacket.ReportBlock block = stats.reportBlock(ssrc, nowNanos);
        if (block != null) {
            transport.sendRtcp(List.of(new RtcpPacket.ReceiverReport(serverSsrc, List.of(block))));
        }
    }

    /**
     * One quality period ends now: a snapshot of the totals goes to the observer, which computes the figures off this
     * loop. A period shorter than {@link MediaPlane#MIN_QUALITY_PERIOD_NANOS} waits for the next turn.
     */
    void reportQuality(long nowNanos) {
        if (!publishing || closed || nowNanos - qualityFrom.nanos() < MediaPlane.MIN_QUALITY_PERIOD_NANOS) {
            return;
        }
        QualitySample to = new QualitySample(nowNanos, stats.received(), stats.bytes(), stats.lost(), -1,
                stats.jitterMillis(), -1);
        observer.onEvent(new MediaEvent.QualityMeasured(qualityFrom, to));
        qualityFrom = to;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    boolean ended() {
        return ended;
    }

    /** The publisher's SSRC: from its offer's a=ssrc or its first packet; -1 while unknown. */
    long ssrc() {
        return ssrc;
    }

    /** Closes the transport and every Consumer (their players get NO_PLAY); idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        ended = true;
        for (Consumer c : consumers) {
            c.publisherGone();
        }
        consumers = NONE;
        for (Relay r : relays) {
            r.shard.execute(r::producerGone);
        }
        relays = NO_RELAYS;
        if (bundle != null) {
            bundle.detach(this);
        } else if (transport != null) {
            transport.close();
        }
        rtx.clear();
        shard.forget(this);
    }

    @Override
    public String toString() {
        return "publisher " + observer.who();
    }
}
