package io.parley.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A WebSocket connection speaking raw frames. {@link ParleyEngine} builds on it; tests use it directly to send
 * what a well-behaved client never would (binary frames, invalid UTF-8, oversized frames, abrupt drops).
 * Callbacks run on the connection's event loop.
 */
public final class WsClient implements AutoCloseable {
    private static final int MAX_INBOUND_BYTES = 4 * 1024 * 1024;
    private static volatile EventLoopGroup sharedGroup;

    /** How the connection ended: the peer's close status (or -1 when the socket closed without one). */
    public record Closed(int status, String reason) {}

    private final Channel channel;
    private final CompletableFuture<Closed> closed;

    private WsClient(Channel channel, CompletableFuture<Closed> closed) {
        this.channel = channel;
        this.closed = closed;
    }

    /** The event loops shared by every connection and media transport of this JVM (daemon threads). */
    public static EventLoopGroup group() {
        EventLoopGroup g = sharedGroup;
        if (g == null) {
            synchronized (WsClient.class) {
                g = sharedGroup;
                if (g == null) {
                    g = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("parley-client", true),
                            NioIoHandler.newFactory());
                    sharedGroup = g;
                }
            }
        }
        return g;
    }

    /** Connects and completes after the WebSocket handshake. {@code onText} gets each text message. */
    public static CompletableFuture<WsClient> connect(URI uri, Consumer<String> onText) {
        CompletableFuture<WsClient> ready = new CompletableFuture<>();
        CompletableFuture<Closed> closed = new CompletableFuture<>();
        WebSocketClientProtocolConfig cfg = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .customHeaders(new DefaultHttpHeaders())
                .maxFramePayloadLength(MAX_INBOUND_BYTES)
                .handleCloseFrames(false)
                .sendCloseFrame(null) // close() sends its own; abort() must send none
                .handshakeTimeoutMillis(10_000)
                .build();
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        Bootstrap b = new Bootstrap().group(group()).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                new WebSocketClientProtocolHandler(cfg), new WebSocketFrameAggregator(MAX_INBOUND_BYTES),
                                new FrameHandler(ready, closed, onText));
                    }
                });
        b.connect(uri.getHost(), port).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ready.completeExceptionally(f.cause());
                closed.complete(new Closed(-1, "connect failed: " + f.cause()));
            }
        });
        return ready;
    }

    private static final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final CompletableFuture<WsClient> ready;
        private final CompletableFuture<Closed> closed;
        private final Consumer<String> onText;

        FrameHandler(CompletableFuture<WsClient> ready, CompletableFuture<Closed> closed, Consumer<String> onText) {
            this.ready = ready;
            this.closed = closed;
            this.onText = onText;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                ready.complete(new WsClient(ctx.channel(), closed));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame t) {
                onText.accept(t.text());
            } else if (frame instanceof CloseWebSocketFrame c) {
                closed.complete(new Closed(c.statusCode(), c.reasonText()));
                ctx.writeAndFlush(new CloseWebSocketFrame(c.statusCode() < 0 ? 1000 : c.statusCode(), ""))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            closed.complete(new Closed(-1, "connection closed without a close frame"));
            ready.completeExceptionally(new IllegalStateException("connection closed during the handshake"));
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ready.completeExceptionally(cause);
            ctx.close();
        }
    }

    public void sendText(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text));
    }

    /** Sends a text frame with arbitrary bytes (tests: invalid UTF-8). */
    public void sendTextBytes(byte[] payload) {
        channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(payload)));
    }

    public void sendBinary(byte[] payload) {
        ByteBuf b = Unpooled.wrappedBuffer(payload);
        channel.writeAndFlush(new BinaryWebSocketFrame(b));
    }

    /** Completes when the connection is gone, with the server's close status if it sent one. */
    public CompletableFuture<Closed> closed() {
        return closed;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Drops the TCP connection without a WebSocket close frame (as a lost network does). */
    public void abort() {
        channel.close();
    }

    /** Closes cleanly: a close frame (1000), then the socket once the server answers. */
    @Override
    public void close() {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
        }
    }
}
