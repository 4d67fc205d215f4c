package io.parley.server.rtmp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.parley.server.gateway.GatewayEvents;
import io.parley.server.gateway.GatewayInitializer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/** An RTMP server and the gateway's HTTP pipeline (with the FLV hook) on 127.0.0.1, port 0, with {@link TestGate}. */
final class RtmpRig implements AutoCloseable {
    final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    final RtmpMetrics metrics = RtmpMetrics.detached();
    final ConcurrentLinkedQueue<LiveEvent> events = new ConcurrentLinkedQueue<>();
    final LiveStreams hub = new LiveStreams(metrics, workers.next(), events::add);
    final RtmpConfig config;
    final RtmpServer rtmp;
    private final Channel http;

    RtmpRig() throws InterruptedException {
        this(RtmpConfig.DEFAULTS.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(3),
                Duration.ofSeconds(5)));
    }

    RtmpRig(RtmpConfig config) throws InterruptedException {
        this.config = config.withListen("127.0.0.1", 0);
        RtmpGate gate = new TestGate();
        this.rtmp = new RtmpServer(this.config, boss, workers, NioServerSocketChannel.class, hub, gate, metrics).start();
        this.http = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new GatewayInitializer(null, 65536, new GatewayEvents() { }, Map.of(),
                        new HttpFlvHandler(this.config, hub, gate, metrics)))
                .bind("127.0.0.1", 0).sync().channel();
    }

    int rtmpPort() {
        return rtmp.port();
    }

    int httpPort() {
        return ((InetSocketAddress) http.localAddress()).getPort();
    }

    String rtmpUrl(String name, String key) {
        return "rtmp://127.0.0.1:" + rtmpPort() + "/live/" + name + "?k=" + key;
    }

    String flvUrl(String name, String key) {
        return "http://127.0.0.1:" + httpPort() + "/live/" + name + ".flv?k=" + key;
    }

    double counter(String name, String... tags) {
        var c = metrics.registry().find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    double gauge(String name, String... tags) {
        var g = metrics.registry().find(name).tags(tags).gauge();
        return g == null ? 0 : g.value();
    }

    @Override
    public void close() {
        hub.closeAll();
        rtmp.close();
        http.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
