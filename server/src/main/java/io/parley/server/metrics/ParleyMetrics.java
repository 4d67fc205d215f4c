package io.parley.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.parley.server.auth.LoginGuard;
import io.parley.server.gateway.GatewayEvents;
import io.parley.server.gateway.HttpRoutes;
import io.parley.server.room.RoomEvent;
import io.parley.server.room.RoomEvents;
import io.parley.server.room.RoomService;
import io.parley.server.sfu.MediaPlane;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * One node's meters (docs/metrics.md): the registry's and gateway's hooks, the media plane's API, JVM and Netty
 * allocator meters, rendered as Prometheus text at {@code /metrics}. One instance per server, closed with it.
 */
public final class ParleyMetrics implements AutoCloseable {
    public static final String PATH = "/metrics";
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RoomMetrics room = new RoomMetrics(registry);
    private final GatewayMetrics gateway = new GatewayMetrics(registry);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public ParleyMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        NettyAllocatorMetrics.bind(registry);
    }

    /** Gauges that read the registry's indexes at scrape time. */
    public void bind(RoomService rooms, BooleanSupplier ready) {
        Gauge.builder("parley.rooms", rooms, RoomService::roomCount).description("Open rooms").register(registry);
        Gauge.builder("parley.members", rooms, RoomService::memberCount)
                .description("Logged-in users (AppID-wide userID claims, all rooms)").register(registry);
        Gauge.builder("parley.streams", rooms, RoomService::streamCount).description("Published streams").register(registry);
        Gauge.builder("parley.ready", ready, r -> r.getAsBoolean() ? 1 : 0)
                .description("1 while /readyz answers 200 (accepting logins), 0 while starting or draining")
                .strongReference(true) // a method reference: nothing else holds it
                .register(registry);
    }

    /** Logins refused by the failed-login budgets, by the budget that refused them. */
    public void bind(LoginGuard guard) {
        for (LoginGuard.Scope scope : LoginGuard.Scope.values()) {
            FunctionCounter.builder("parley.login.rate.limited", guard, g -> g.refused(scope))
                    .description("Logins refused (1002071) because the source address or the App spent its failed-login budget")
                    .tag("scope", scope.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
    }

    public RoomEvents roomEvents() {
        return room;
    }

    /** Subscribe this to {@code RoomService.subscribe}: counts successful logins. */
    public RoomEvent.Listener roomEventListener() {
        return room;
    }

    public GatewayEvents gatewayEvents() {
        return gateway;
    }

    /** The media plane's counters, gauges and forwarding-latency timer. */
    public void bind(MediaPlane plane) {
        MediaMeters.bind(registry, plane);
        IceTcpMeters.bind(registry, plane);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    /** GET /metrics. Scraping walks a few hundred meters on the event loop: well under a millisecond. */
    public HttpRoutes.Route route() {
        return (req, q) -> new HttpRoutes.HttpReply(HttpResponseStatus.OK, CONTENT_TYPE,
                scrape().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
