package io.parley.server.sfu;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateHandler;
import io.parley.server.config.ParleyConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The media plane's ICE-TCP side (RFC 6544 passive candidates, RFC 4571 framing: a 2-byte big-endian length before each
 * STUN, DTLS, RTP or RTCP packet), for clients whose network blocks UDP. Its listeners and connections run on the media
 * loop, so a frame reaches the same transport logic as a datagram without a hop. Bounds: {@code media.tcpMaxConnections}
 * open at once and {@code media.tcpMaxConnectionsPerAddress} per source address (refused at accept, counted), frames of
 * at most {@link #MAX_FRAME_BYTES}, a verified ICE check within {@link #ICE_CHECK_DEADLINE_MILLIS} (or iceTimeout, if shorter), silence of at most
 * {@code media.iceTimeout}, and a send buffer past whose high mark packets are dropped rather than queued.
 */
final class IceTcpServer {
    /** The largest packet a UDP datagram of ours may carry too: nothing WebRTC sends is larger. */
    static final int MAX_FRAME_BYTES = 2048;
    static final int LENGTH_BYTES = 2;
    /**
     * A client sends its first check right after connecting; one that does not within this (or media.iceTimeout, if
     * shorter) is closed.
     */
    static final long ICE_CHECK_DEADLINE_MILLIS = 5_000;
    static final WriteBufferWaterMark SEND_BUFFER = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final MediaPlane plane;
    private final ParleyConfig.Media config;
    private final IceTcpCounters counters = new IceTcpCounters();
    /** Open connections per source address; media loop only. */
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private int open;
    private final List<Channel> listeners = new ArrayList<>();

    IceTcpServer(MediaPlane plane, ParleyConfig.Media config) {
        this.plane = plane;
        this.config = config;
    }

    IceTcpCounters counters() {
        return counters;
    }

    /** Binds a listener on each address ({@code port}, 0 for any free one) on {@code group} (the media loop). */
    void bind(EventLoopGroup group, boolean epoll, List<String> addresses, int port) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, SEND_BUFFER)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!admit(ch)) {
                            return;
                        }
                        ch.pipeline().addLast("idle", new IdleStateHandler(config.iceTimeout().toMillis(), 0, 0,
                                        TimeUnit.MILLISECONDS))
                                .addLast("framer", new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES + LENGTH_BYTES,
                                        0, LENGTH_BYTES, 0, LENGTH_BYTES))
                                .addLast("prefixer", new LengthFieldPrepender(LENGTH_BYTES))
                                .addLast("ice-tcp", new IceTcpConnection(plane, counters,
                                        Math.min(ICE_CHECK_DEADLINE_MILLIS, config.iceTimeout().toMillis())));
                    }
                });
        for (String address : addresses) {
            listeners.add(b.bind(address, port).sync().channel());
        }
    }

    /** Counts {@code ch} until it closes, or closes it at once when a cap is reached; media loop. */
    private boolean admit(SocketChannel ch) {
        InetAddress from = ch.remoteAddress().getAddress();
        if (open >= config.tcpMaxConnections()) {
            counters.refuse(IceTcpCounters.Refusal.NODE);
            ch.close();
            return false;
        }
        int n = perAddress.getOrDefault(from, 0);
        if (n >= config.tcpMaxConnectionsPerAddress()) {
            counters.refuse(IceTcpCounters.Refusal.ADDRESS);
            ch.close();
            return false;
        }
        perAddress.put(from, n + 1);
        counters.open = ++open;
        counters.accepted.increment();
        ch.closeFuture().addListener(f -> {
            counters.open = --open;
            perAddress.computeIfPresent(from, (k, v) -> v <= 1 ? null : v - 1);
        });
        return true;
    }

    List<Channel> listeners() {
        return listeners;
    }

    void close() {
        for (Channel ch : listeners) {
            ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}
