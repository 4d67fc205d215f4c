package io.parley.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** {@link MediaMetrics} on Micrometer; every series exists from the start, so dashboards show 0 rather than nothing. */
final class MicrometerMediaMetrics implements MediaMetrics {
    private final Counter[][] packets = new Counter[Kind.values().length][Direction.values().length];
    private final Counter[][] bytes = new Counter[Kind.values().length][Direction.values().length];
    private final Counter[][] droppedPackets = new Counter[Kind.values().length][DropReason.values().length];
    private final Counter[][] droppedBytes = new Counter[Kind.values().length][DropReason.values().length];
    private final Timer forward;
    private final AtomicLong transports = new AtomicLong();

    MicrometerMediaMetrics(MeterRegistry r) {
        for (Kind k : Kind.values()) {
            for (Direction d : Direction.values()) {
                packets[k.ordinal()][d.ordinal()] = Counter.builder("parley.media.packets")
                        .description("RTP/RTCP packets received (in) or sent (out) on the media port")
                        .tag("kind", k.label).tag("direction", d.label).register(r);
                bytes[k.ordinal()][d.ordinal()] = Counter.builder("parley.media.bytes")
                        .description("UDP payload bytes of those packets").baseUnit("bytes")
                        .tag("kind", k.label).tag("direction", d.label).register(r);
            }
            for (DropReason why : DropReason.values()) {
                droppedPackets[k.ordinal()][why.ordinal()] = Counter.builder("parley.media.dropped.packets")
                        .description("Packets not forwarded, by reason")
                        .tag("kind", k.label).tag("reason", why.label).register(r);
                droppedBytes[k.ordinal()][why.ordinal()] = Counter.builder("parley.media.dropped.bytes")
                        .description("Bytes of packets not forwarded, by reason").baseUnit("bytes")
                        .tag("kind", k.label).tag("reason", why.label).register(r);
            }
        }
        forward = Timer.builder("parley.media.forward.latency")
                .description("From a packet's arrival to its last copy written towards the consumers")
                .serviceLevelObjectives(Buckets.FAST)
                .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofMillis(100))
                .register(r);
        Gauge.builder("parley.media.transports", transports, AtomicLong::get)
                .description("Open media transports (ICE + DTLS + SRTP)").register(r);
    }

    @Override
    public void packet(Kind kind, Direction direction, int n) {
        packets[kind.ordinal()][direction.ordinal()].increment();
        bytes[kind.ordinal()][direction.ordinal()].increment(n);
    }

    @Override
    public void dropped(Kind kind, DropReason reason, int n) {
        droppedPackets[kind.ordinal()][reason.ordinal()].increment();
        droppedBytes[kind.ordinal()][reason.ordinal()].increment(n);
    }

    @Override
    public void forwardLatency(long nanos) {
        forward.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void transportOpened() {
        transports.incrementAndGet();
    }

    @Override
    public void transportClosed() {
        transports.decrementAndGet();
    }
}
