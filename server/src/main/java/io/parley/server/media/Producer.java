package io.parley.server.media;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.ErrorCode;
import io.parley.media.rtp.ReceptionStats;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.signal.Messages;
import java.util.Arrays;
import java.util.List;

/**
 * A published stream's media source. Each RTP packet it receives goes to every Consumer in {@link #consumers}
 * (an immutable snapshot, replaced on attach/detach) on the media loop that received it.
 * Lifecycle: requesting → publishing (first packet) → closed; closed is final. A stream published without
 * an SDP offer has a Producer with no transport: players may attach and wait.
 */
public final class Producer extends MediaEndpoint {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Producer.class);

    private static final Consumer[] NONE = new Consumer[0];
    private static final long KEYFRAME_REQUEST_INTERVAL_NANOS = 1_000_000_000L;

    final MediaPlane plane;
    final String streamId;
    final MediaObserver observer;
    final String answer;
    final long serverSsrc;
    MediaTransport transport;
    Consumer[] consumers = NONE;
    private final RetransmissionCache rtx = new RetransmissionCache();
    private final ReceptionStats stats = new ReceptionStats(MediaPlane.OPUS_CLOCK_RATE);
    private long ssrc;
    private boolean publishing;
    private long receivedPriorQ;
    private long lostPriorQ;
    private long bytesPriorQ;
    private long lastKeyframeRequestNanos = Long.MIN_VALUE / 2;
    private boolean closed;

    Producer(MediaPlane plane, String streamId, MediaObserver observer, String answer, long expectedSsrc, long serverSsrc) {
        this.plane = plane;
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
    boolean acceptsRtpFrom(ByteBuf packet) {
        return ssrc < 0 || packet.readableBytes() < 12 || packet.getUnsignedInt(packet.readerIndex() + 8) == ssrc;
    }

    @Override
    void onRtp(ByteBuf plain, long nowNanos) {
        RtpPacket rtp = plane.rtpView();
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
        rtx.put(plane.channel().alloc(), seq, plain);
        if (!publishing) {
            publishing = true;
            observer.state("PUBLISHING", 0, "");
        }
        Consumer[] to = consumers;
        if (to.length > 0) {
            for (Consumer c : to) {
                c.forward(plain, seq, rtp.timestamp(), nowNanos, false);
            }
            plane.recordForward(nowNanos);
        }
    }

    @Override
    void onRtcp(RtcpPacket packet, long nowNanos) {
        if (packet instanceof RtcpPacket.SenderReport sr) {
            stats.onSenderReport(sr.ntpTime(), nowNanos);
        }
    }

    /** A player asked for a keyframe: pass it upstream, at most once a second. */
    void requestKeyframe(long nowNanos) {
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
    void connected() {
        // PUBLISHING is announced with the first packet, not with the handshake.
    }

    @Override
    void transportFailed(String why) {
        if (closed) {
            return;
        }
        log.info("publisher media failed ({}): {}", this, why);
        observer.state("NO_PUBLISH", ErrorCode.PUBLISH_MEDIA_FAILED, why);
        observer.ended(ErrorCode.PUBLISH_MEDIA_FAILED, why);
        close();
    }

    @Override
    void peerClosed() {
        if (closed || transport == null) {
            return;
        }
        transport.close();
        observer.state("NO_PUBLISH", 0, "{\"reason\":\"peer_closed\"}");
    }

    void attach(Consumer c) {
        if (closed) {
            c.publisherGone();
            return;
        }
        Consumer[] next = Arrays.copyOf(consumers, consumers.length + 1);
        next[consumers.length] = c;
        consumers = next;
    }

    void detach(Consumer c) {
        int n = 0;
        Consumer[] next = new Consumer[consumers.length];
        for (Consumer x : consumers) {
            if (x != c) {
                next[n++] = x;
            }
        }
        consumers = n == 0 ? NONE : Arrays.copyOf(next, n);
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

    void reportQuality(double periodSeconds) {
        if (!publishing || closed) {
            return;
        }
        long packets = stats.received() - receivedPriorQ;
        long lost = Math.max(0, stats.lost() - lostPriorQ);
        long bytes = stats.bytes() - bytesPriorQ;
        receivedPriorQ = stats.received();
        lostPriorQ = stats.lost();
        bytesPriorQ = stats.bytes();
        double rate = packets + lost == 0 ? 0 : (double) lost / (packets + lost);
        observer.quality(new Messages.MediaStats(round(bytes * 8 / periodSeconds / 1000.0), packets, lost, round4(rate),
                round(stats.jitterMillis()), -1));
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static double round4(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    boolean isPublishing() {
        return publishing;
    }

    /** Closes the transport and every Consumer (their players get NO_PLAY); idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Consumer c : consumers) {
            c.publisherGone();
        }
        consumers = NONE;
        if (transport != null) {
            transport.close();
        }
        rtx.clear();
        plane.forget(this);
    }

    @Override
    public String toString() {
        return "publisher " + observer.who();
    }
}
