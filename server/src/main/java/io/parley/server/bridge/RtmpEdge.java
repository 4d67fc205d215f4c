package io.parley.server.bridge;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.server.auth.StreamKeys;
import io.parley.server.config.ParleyConfig;
import io.parley.server.rtmp.HttpFlvHandler;
import io.parley.server.rtmp.LiveStreams;
import io.parley.server.rtmp.RtmpConfig;
import io.parley.server.rtmp.RtmpMetrics;
import io.parley.server.rtmp.RtmpServer;
import io.parley.server.room.EdgeRooms;
import io.parley.server.room.RoomService;
import io.parley.server.sfu.MediaPlane;
import io.parley.transcode.TranscodeMetrics;
import io.parley.transcode.TranscodePool;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WeChat mini-program edge, assembled: the RTMP listener, HTTP-FLV playback (a handler for the gateway's
 * pipeline), the live hub, the transcode pool and the {@link RtmpBridge} that joins them to rooms and the SFU.
 */
public final class RtmpEdge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RtmpEdge.class);
    static final Duration QUALITY_PERIOD = Duration.ofSeconds(3);

    private final RtmpConfig config;
    private final ParleyConfig parley;
    private final RtmpBridge bridge;
    private final LiveStreams hub;
    private final TranscodePool pool;
    private final RtmpServer server;
    private final HttpFlvHandler flv;
    private final ScheduledFuture<?> qualityTick;

    public RtmpEdge(ParleyConfig parley, RoomService rooms, MediaPlane media, EventLoopGroup boss, EventLoopGroup workers,
                    Class<? extends ServerSocketChannel> channelType, MeterRegistry registry) throws InterruptedException {
        this.parley = parley;
        this.config = parley.rtmp();
        int threads = config.transcodeThreads() > 0 ? config.transcodeThreads() : Runtime.getRuntime().availableProcessors();
        this.pool = new TranscodePool(TranscodePool.Config.defaults().withThreads(threads)
                .withMetrics(TranscodeMetrics.micrometer(registry)));
        StreamKeys keys = new StreamKeys(parley.apps(), Clock.systemUTC(), config.keyTtl());
        this.bridge = new RtmpBridge(keys, new EdgeRooms(rooms), media, pool);
        RtmpMetrics metrics = new RtmpMetrics(registry);
        EventExecutor events = workers.next();
        this.hub = new LiveStreams(metrics, events, bridge);
        this.server = new RtmpServer(config, boss, workers, channelType, hub, bridge, metrics).start();
        this.flv = new HttpFlvHandler(config, hub, bridge, metrics);
        rooms.attach(bridge);
        long period = QUALITY_PERIOD.toMillis();
        this.qualityTick = events.scheduleAtFixedRate(() -> bridge.reportQuality(period / 1000.0), period, period,
                TimeUnit.MILLISECONDS);
        log.info("RTMP listening on {}:{} (push and play at rtmp://.../{}/<streamID>, HTTP-FLV at /{}/<streamID>.flv)",
                config.bindHost(), server.port(), RtmpBridge.APP, RtmpBridge.APP);
    }

    /** The handler that serves {@code GET /live/<streamID>.flv} in the gateway's pipeline. */
    public ChannelHandler flvHandler() {
        return flv;
    }

    public int port() {
        return server.port();
    }

    /** Sets the URL bases once the gateway's port is known. */
    public void announce(int httpPort) {
        String host = config.announcedHost().isEmpty() ? parley.media().resolvedAnnouncedAddress() : config.announcedHost();
        String hostPart = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        String flvBase = config.flvBaseUrl().isEmpty() ? "http://" + hostPart + ":" + httpPort : config.flvBaseUrl();
        bridge.attach(hub, "rtmp://" + hostPart + ":" + server.port(), flvBase);
    }

    @Override
    public void close() {
        qualityTick.cancel(false);
        hub.closeAll();
        server.close();
        bridge.close();
        pool.shutdown(Duration.ofSeconds(2));
    }
}
