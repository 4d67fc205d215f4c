package io.parley.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.parley.server.sfu.DropReason;
import io.parley.server.sfu.MediaCounters;
import io.parley.server.sfu.MediaPlane;
import io.parley.server.sfu.RetransmitRefusal;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The media plane's meters. Its per-packet counters are LongAdders in {@link MediaCounters}, read here at scrape
 * time, so the forwarding path pays for one set of adds; only forwarding latency is recorded per packet.
 */
final class MediaMeters {
    private MediaMeters() {}

    static void bind(MeterRegistry r, MediaPlane plane) {
        MediaCounters c = plane.counters();
        // Every series of a name carries the same description: one without it makes the family's HELP empty.
        String packets = "RTP/RTCP packets received (in) or sent (out) on the media port";
        String bytes = "UDP payload bytes of the RTP/RTCP packets received (in) or sent (out) on the media port";
        counter(r, "parley.media.packets", packets, null, "rtp", "in", c, MediaCounters::rtpPacketsIn);
        counter(r, "parley.media.packets", packets, null, "rtp", "out", c, MediaCounters::rtpPacketsOut);
        counter(r, "parley.media.packets", packets, null, "rtcp", "in", c, MediaCounters::rtcpPacketsIn);
        counter(r, "parley.media.packets", packets, null, "rtcp", "out", c, MediaCounters::rtcpPacketsOut);
        counter(r, "parley.media.bytes", bytes, "bytes", "rtp", "in", c, MediaCounters::rtpBytesIn);
        counter(r, "parley.media.bytes", bytes, "bytes", "rtp", "out", c, MediaCounters::rtpBytesOut);
        counter(r, "parley.media.bytes", bytes, "bytes", "rtcp", "in", c, MediaCounters::rtcpBytesIn);
        counter(r, "parley.media.bytes", bytes, "bytes", "rtcp", "out", c, MediaCounters::rtcpBytesOut);
        for (DropReason why : DropReason.values()) {
            FunctionCounter.builder("parley.media.dropped.packets", c, x -> x.dropped(why))
                    .description("Inbound datagrams dropped, by reason (docs/metrics.md)")
                    .tag("reason", why.label()).register(r);
        }
        FunctionCounter.builder("parley.media.retransmissions", c, MediaCounters::retransmissions)
                .description("RTP packets resent to players from the retransmission cache (answers to NACKs)")
                .register(r);
        FunctionCounter.builder("parley.media.socket.errors", c, MediaCounters::socketErrors)
                .description("Errors on the media sockets: failed sends (each loses its datagram) and failed reads")
                .register(r);
        FunctionCounter.builder("parley.media.twcc.feedback.packets", c, MediaCounters::transportCcFeedback)
                .description("RTCP transport-cc (TWCC) feedback packets sent to publishers").register(r);
        String crossLoop = "Packets passed from one media loop to another: inbound ones read by another loop's socket"
                + " (in), a Producer's handed to its Consumers on another loop (relay)";
        FunctionCounter.builder("parley.media.loop.handoffs", c, MediaCounters::handedOver)
                .description(crossLoop).tag("kind", "in").register(r);
        FunctionCounter.builder("parley.media.loop.handoffs", c, MediaCounters::relayed)
                .description(crossLoop).tag("kind", "relay").register(r);
        FunctionCounter.builder("parley.media.udp.batched.datagrams", c, MediaCounters::batchedDatagrams)
                .description("Datagrams read by recvmmsg behind another in the same system call (epoll)").register(r);
        Gauge.builder("parley.media.loops", plane, MediaPlane::loopCount)
                .description("Media loops running (media.loops; 1 without epoll)").register(r);
        for (RetransmitRefusal why : RetransmitRefusal.values()) {
            FunctionCounter.builder("parley.media.retransmissions.refused", c, x -> x.refused(why))
                    .description("NACKed packets not resent to players, by reason (docs/metrics.md)")
                    .tag("reason", why.label()).register(r);
        }
        String stunErrors = "STUN 400/401 replies to binding requests of known ufrags, sent or rate-limited";
        FunctionCounter.builder("parley.media.stun.error.replies", c, MediaCounters::stunErrorReplies)
                .description(stunErrors).tag("outcome", "sent").register(r);
        FunctionCounter.builder("parley.media.stun.error.replies", c, MediaCounters::stunErrorRepliesLimited)
                .description(stunErrors).tag("outcome", "limited").register(r);
        Gauge.builder("parley.media.dtls.handshakes", plane, MediaPlane::dtlsHandshakesRunning)
                .description("DTLS handshakes running (each holds a parley-dtls thread)").register(r);
        FunctionCounter.builder("parley.media.dtls.handshakes.preempted", c, MediaCounters::dtlsPreempted)
                .description("DTLS handshakes aborted to give their slot to another App").register(r);
        Gauge.builder("parley.media.transports", plane, MediaPlane::transportCount)
                .description("Open media transports (ICE + DTLS + SRTP)").register(r);
        Timer forward = Timer.builder("parley.media.forward.latency")
                .description("From a packet's arrival to its last copy written towards the consumers")
                .serviceLevelObjectives(Buckets.FAST)
                .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofMillis(100))
                .register(r);
        plane.forwardLatency(nanos -> forward.record(nanos, TimeUnit.NANOSECONDS));
    }

    private static void counter(MeterRegistry r, String name, String description, String unit, String kind,
                                String direction, MediaCounters c, ToDoubleFunction<MediaCounters> read) {
        FunctionCounter.Builder<MediaCounters> b = FunctionCounter.builder(name, c, read)
                .tag("kind", kind).tag("direction", direction);
        if (description != null) {
            b.description(description);
        }
        if (unit != null) {
            b.baseUnit(unit);
        }
        b.register(r);
    }
}
