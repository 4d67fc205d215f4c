package io.parley.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.parley.server.sfu.IceTcpCounters;
import io.parley.server.sfu.MediaPlane;
import java.util.Locale;

/** The media plane's ICE-TCP meters (none when {@code media.tcp} is off). */
final class IceTcpMeters {
    private IceTcpMeters() {}

    static void bind(MeterRegistry r, MediaPlane plane) {
        IceTcpCounters c = plane.tcpCounters();
        if (c == null) {
            return;
        }
        Gauge.builder("parley.media.tcp.connections", c, IceTcpCounters::open)
                .description("ICE-TCP connections open on the media plane").register(r);
        FunctionCounter.builder("parley.media.tcp.connections.accepted", c, IceTcpCounters::accepted)
                .description("ICE-TCP connections accepted").register(r);
        for (IceTcpCounters.Refusal why : IceTcpCounters.Refusal.values()) {
            FunctionCounter.builder("parley.media.tcp.connections.refused", c, x -> x.refused(why))
                    .description("ICE-TCP connections closed at accept: media.tcpMaxConnections (node) or "
                            + "media.tcpMaxConnectionsPerAddress (address) reached")
                    .tag("reason", why.name().toLowerCase(Locale.ROOT)).register(r);
        }
        for (IceTcpCounters.Close why : IceTcpCounters.Close.values()) {
            FunctionCounter.builder("parley.media.tcp.connections.closed", c, x -> x.closed(why))
                    .description("ICE-TCP connections the server closed, by reason (docs/metrics.md)")
                    .tag("reason", why.name().toLowerCase(Locale.ROOT)).register(r);
        }
        FunctionCounter.builder("parley.media.tcp.send.dropped", c, IceTcpCounters::sendDropped)
                .description("Packets not sent on an ICE-TCP connection whose send buffer was full").register(r);
    }
}
