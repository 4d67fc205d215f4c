package io.parley.testsupport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;

/** A Netty TCP server on 127.0.0.1, port 0 (a fake signalling or HTTP peer for client tests). Close it after the test. */
public final class LocalServer implements AutoCloseable {
    private final Channel channel;

    private LocalServer(Channel channel) {
        this.channel = channel;
    }

    /** Binds on a free port; {@code childHandler} is usually a {@code ChannelInitializer}. */
    public static LocalServer start(EventLoopGroup group, ChannelHandler childHandler) {
        Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(childHandler)
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        return new LocalServer(ch);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** {@code ws://127.0.0.1:<port><path>}. */
    public URI wsUri(String path) {
        return URI.create("ws://127.0.0.1:" + port() + path);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
