package io.parley.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.parley.server.api.ApiServer;
import io.parley.server.api.ServerApi;
import io.parley.server.auth.TokenVerifier;
import io.parley.server.webhook.Webhooks;
import io.parley.server.bridge.RtmpEdge;
import io.parley.server.cluster.Cluster;
import io.parley.server.auth.TurnCredentials;
import io.parley.server.config.ParleyConfig;
import io.parley.server.gateway.GatewayInitializer;
import io.parley.server.gateway.HttpRoutes;
import io.parley.server.gateway.StaticRoutes;
import io.parley.server.sfu.MediaClock;
import io.parley.server.sfu.MediaPlane;
import io.parley.server.sfu.MediaSessions;
import io.parley.server.lifecycle.Drain;
import io.parley.server.lifecycle.PortInUse;
import io.parley.server.lifecycle.Readiness;
import io.parley.server.metrics.ParleyMetrics;
import io.parley.server.room.RoomService;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Parley node: event loops, the registry and the gateway bound to its port. */
public final class ParleyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParleyServer.class);
    // What moves each port, for the one-line message of a busy port (lifecycle.PortInUse).
    static final String GATEWAY_PORT_HOW = "choose another with --port N, PARLEY_SERVER_PORT or server.port";
    static final String MEDIA_PORT_HOW = "choose another with --media-port N, PARLEY_MEDIA_PORT or media.port";
    static final String API_PORT_HOW = "choose another with PARLEY_API_PORT or api.port (or turn it off: PARLEY_API_ENABLED=false)";
    static final String MANAGEMENT_PORT_HOW = "choose another with PARLEY_MANAGEMENT_PORT or management.port";
    static final String RTMP_PORT_HOW = "choose another with PARLEY_RTMP_PORT or rtmp.port (or turn RTMP off: PARLEY_RTMP_ENABLED=false)";

    private final ParleyConfig config;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final RoomService rooms;
    private final MediaPlane media;
    private final ParleyMetrics metrics = new ParleyMetrics();
    private final Readiness readiness = new Readiness();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Channel channel;
    /** The management listener, or null when /metrics, /healthz and /readyz are served on the public port. */
    private final Channel management;
    private final GatewayInitializer gateway;
    private final RtmpEdge rtmp;
    private final ApiServer api;
    private final Webhooks webhooks;
    /** Cluster membership (cluster.redisUrl), or null on a single node. */
    private final Cluster cluster;

    private ParleyServer(ParleyConfig config) throws InterruptedException {
        this.config = config;
        // First: a node that cannot join its cluster stops here, before any thread or port is taken.
        this.cluster = config.cluster().enabled()
                ? Cluster.start(config.cluster(), config.media().resolvedAnnouncedAddress()) : null;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        int threads = config.server().ioThreads() > 0 ? config.server().ioThreads() : Runtime.getRuntime().availableProcessors();
        this.boss = new MultiThreadIoEventLoopGroup(1, io);
        this.workers = new MultiThreadIoEventLoopGroup(threads, io);
        // Media gets a loop of its own, so that signalling and room work never delay forwarding.
        ParleyConfig.Media mc = config.media();
        this.media = PortInUse.bind("media UDP", mc.bindAddress(), mc.port(), MEDIA_PORT_HOW,
                () -> MediaPlane.start(mc, io, epoll, MediaClock.SYSTEM));
        TokenVerifier verifier = new TokenVerifier(Clock.systemUTC(), config.auth());
        this.rooms = new RoomService(config.apps(), workers, verifier, config.session(), config.limits(),
                metrics.roomEvents(), new MediaSessions(media), cluster == null ? UnaryOperator.identity() : cluster::claims,
                cluster == null ? UnaryOperator.identity() : cluster::rooms);
        if (cluster != null) {
            cluster.attach(rooms);
            readiness.require(cluster::notReadyReason);
        }
        rooms.turn(new TurnCredentials(config.turn()));
        rooms.configure(config.room(), config.auth().tokenWillExpireLead());
        rooms.subscribe(metrics.roomEventListener());
        this.webhooks = new Webhooks(config.apps(), config.webhook(), metrics.registry(), Clock.systemUTC());
        if (webhooks.any()) {
            rooms.subscribe(webhooks);
        }
        metrics.bind(rooms, readiness::ready);
        metrics.bind(media);
        metrics.bind(verifier.guard());
        Map<String, HttpRoutes.Route> ops = new LinkedHashMap<>();
        ops.putAll(readiness.routes());
        ops.put(ParleyMetrics.PATH, metrics.route());
        Map<String, HttpRoutes.Route> publicRoutes = new LinkedHashMap<>();
        if (!config.management().enabled()) {
            publicRoutes.putAll(ops); // else only on the management port: the public one answers 404 for them
        }
        Map<String, HttpRoutes.Route> routes = publicRoutes;
        routes.putAll(DevRoutes.routes(config));
        routes.putAll(StaticRoutes.routes(config.dev()));
        Class<? extends ServerSocketChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.rtmp = config.rtmp().enabled() ? PortInUse.bind("RTMP TCP", config.rtmp().bindHost(), config.rtmp().port(),
                RTMP_PORT_HOW, () -> new RtmpEdge(config, rooms, media, boss, workers, channelType, metrics.registry()))
                : null;
        GatewayInitializer gateway;
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.gateway().writeBufferLowBytes(), config.gateway().writeBufferHighBytes()))
                // One busy connection reads at most this many times per loop turn, so its neighbours get their turn.
                .childOption(ChannelOption.RCVBUF_ALLOCATOR,
                        new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(config.gateway().maxMessagesPerRead()))
                .childHandler(gateway = new GatewayInitializer(rooms, config.server().maxFrameBytes(), config.gateway(),
                        metrics.gatewayEvents(), HttpRoutes.get(publicRoutes), rtmp == null ? null : rtmp.flvHandler()));
        if (cluster != null) {
            gateway.relay(cluster.router());
        }
        this.gateway = gateway;
        this.channel = PortInUse.bind("gateway TCP", config.server().host(), config.server().port(), GATEWAY_PORT_HOW,
                () -> b.bind(config.server().host(), config.server().port()).sync().channel());
        if (cluster != null) {
            cluster.gatewayBound(port());
        }
        if (config.management().enabled()) {
            ParleyConfig.Management mg = config.management();
            this.management = PortInUse.bind("management TCP", mg.host(), mg.port(), MANAGEMENT_PORT_HOW, () -> new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                            config.gateway().writeBufferLowBytes(), config.gateway().writeBufferHighBytes()))
                    .childHandler(GatewayInitializer.management(config.gateway(), metrics.gatewayEvents(),
                            HttpRoutes.get(ops), gateway.channels()))
                    .bind(mg.host(), mg.port()).sync().channel());
            log.info("management (/metrics, /healthz, /readyz) on {}", management.localAddress());
        } else {
            this.management = null;
        }
        if (rtmp != null) {
            rtmp.announce(port());
        }
        ServerApi serverApi = config.api().enabled()
                ? new ServerApi(config, rooms, Clock.systemUTC(), metrics.registry(), webhooks::closing) : null;
        this.api = serverApi == null ? null : PortInUse.bind("server API TCP", config.api().host(), config.api().port(),
                API_PORT_HOW, () -> ApiServer.start(serverApi, config.api().host(), config.api().port(), boss, workers,
                        channelType));
        if (api != null) {
            log.info("server API on {}:{}", config.api().host(), api.port());
        }
        readiness.advance(Readiness.State.READY);
        log.info("listening on {} ({} transport, {} event loops)", channel.localAddress(), epoll ? "epoll" : "nio", threads);
    }

    public static ParleyServer start(ParleyConfig config) throws InterruptedException {
        return new ParleyServer(config);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The port serving /metrics, /healthz and /readyz: the management port when enabled, else {@link #port()}. */
    public int managementPort() {
        return management == null ? port() : ((InetSocketAddress) management.localAddress()).getPort();
    }

    /** The server API's port, or -1 when it is off. */
    public int apiPort() {
        return api == null ? -1 : api.port();
    }

    /** The RTMP port, or -1 when the RTMP edge is off. */
    public int rtmpPort() {
        return rtmp == null ? -1 : rtmp.port();
    }

    public RoomService rooms() {
        return rooms;
    }

    public MediaPlane media() {
        return media;
    }

    public ParleyConfig config() {
        return config;
    }

    public ParleyMetrics metrics() {
        return metrics;
    }

    public Webhooks webhooks() {
        return webhooks;
    }

    /** Cluster membership, or null on a single node (cluster.redisUrl empty). */
    public Cluster cluster() {
        return cluster;
    }

    public Readiness readiness() {
        return readiness;
    }

    /** SIGTERM: refuse logins, tell sessions, let rooms empty until shutdown.drainTimeout, kick the rest, close. */
    public void drainAndClose() throws InterruptedException {
        long deadline = System.nanoTime() + config.shutdown().drainTimeout().toNanos();
        Drain.run(rooms, readiness, config.shutdown().drainTimeout(), Clock.systemUTC());
        // The last kicks' events get at least one try even when the rooms used the whole drain.
        long left = Math.max(deadline - System.nanoTime(), config.webhook().timeout().toNanos());
        webhooks.flush(java.time.Duration.ofNanos(left));
        close();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        readiness.advance(Readiness.State.STOPPED);
        channel.close().syncUninterruptibly();
        if (api != null) {
            api.close();
        }
        if (management != null) {
            management.close().syncUninterruptibly();
        }
        gateway.channels().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (rtmp != null) {
            rtmp.close();
        }
        media.close();
        webhooks.close();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (cluster != null) {
            cluster.close();
        }
        metrics.close();
    }
}
