package io.parley.server.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The server API's own listener ({@code api.host}:{@code api.port}), on the server's event loops. */
public final class ApiServer implements AutoCloseable {
    /** A call's body is a few parameters: 64 KiB is plenty. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int READ_TIMEOUT_SECONDS = 30;
    static final String CODEC = "http-codec";
    static final String AGGREGATOR = "http-aggregator";
    static final String TIMEOUT = "read-timeout";
    static final String HANDLER = "api";

    private final Channel channel;

    private ApiServer(Channel channel) {
        this.channel = channel;
    }

    public static ApiServer start(ServerApi api, String host, int port, EventLoopGroup boss, EventLoopGroup workers,
                                  Class<? extends ServerSocketChannel> channelType) throws InterruptedException {
        ApiHandler handler = new ApiHandler(api, openApi());
        Channel ch = new ServerBootstrap().group(boss, workers).channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(TIMEOUT, new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                                .addLast(CODEC, new HttpServerCodec())
                                .addLast(AGGREGATOR, new HttpObjectAggregator(MAX_BODY_BYTES))
                                .addLast(HANDLER, handler);
                    }
                }).bind(host, port).sync().channel();
        return new ApiServer(ch);
    }

    static byte[] openApi() {
        try (InputStream in = ApiServer.class.getResourceAsStream("/api/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("api/openapi.json missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
