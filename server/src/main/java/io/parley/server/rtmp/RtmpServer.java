package io.parley.server.rtmp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RTMP listener. Shares the caller's event loops; {@link #close()} closes the listener and every RTMP
 * connection but not the loops. Lifecycle: new → listening ({@link #start}) → closed; closed is final.
 */
public final class RtmpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RtmpServer.class);

    private final RtmpConfig config;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerSocketChannel> channelType;
    private final ChannelGroup channels = new DefaultChannelGroup("parley-rtmp", GlobalEventExecutor.INSTANCE);
    private final RtmpInitializer initializer;
    private Channel listener;

    public RtmpServer(RtmpConfig config, EventLoopGroup boss, EventLoopGroup workers,
                      Class<? extends ServerSocketChannel> channelType, LiveStreams hub, RtmpGate gate, RtmpMetrics metrics) {
        this.config = config;
        this.boss = boss;
        this.workers = workers;
        this.channelType = channelType;
        this.initializer = new RtmpInitializer(config, hub, gate, metrics, channels);
    }

    /** Binds and returns once listening. */
    public synchronized RtmpServer start(String bindHost, int port) throws InterruptedException {
        if (listener != null) {
            throw new IllegalStateException("already started on " + listener.localAddress());
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLowBytes(), config.writeBufferHighBytes()))
                .childHandler(initializer);
        listener = b.bind(bindHost, port).sync().channel();
        log.info("rtmp listening on {}", listener.localAddress());
        return this;
    }

    /** Binds to the configured host and port. */
    public RtmpServer start() throws InterruptedException {
        return start(config.bindHost(), config.port());
    }

    public synchronized int port() {
        if (listener == null) {
            throw new IllegalStateException("not started");
        }
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
