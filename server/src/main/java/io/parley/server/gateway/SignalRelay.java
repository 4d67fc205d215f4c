package io.parley.server.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import io.parley.server.config.ParleyConfig;
import java.net.ConnectException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The relay of one client's WebSocket session to the node its room lives on: a WebSocket from this node to that
 * node's gateway (with the client's address in a signed {@link RelayAuth#HEADER}), and two pipes that copy frames
 * between them unchanged. Lifecycle: {@code connecting → piping → closed}; closed is final. A close frame from either
 * side goes to the other with its code; a connection that drops without one drops the other too (so the room node
 * keeps the session for a resume, as for a direct client). Backpressure: a side stops reading while the other is
 * not writable, so nothing is buffered beyond the channels' own write buffers. Both channels share the client's loop.
 */
final class SignalRelay {
    /** As large as the Java client accepts from a node. */
    static final int MAX_FRAME_BYTES = 4 * 1024 * 1024;
    private static final int MAX_HANDSHAKE_BYTES = 16 * 1024;
    static final int CONNECT_TIMEOUT_MS = 3_000;
    /** A refusal's reason, in our own 403/429/503 answers (a WebSocket client does not read their bodies). */
    static final String REFUSAL_HEADER = "X-Parley-Refusal";

    private SignalRelay() {}

    /** Why a relay did not start: {@code refused} when nothing listens at the peer (its process is gone). */
    static final class Failed extends Exception {
        final boolean refused;

        Failed(String message, boolean refused, Throwable cause) {
            super(message, cause, false, false);
            this.refused = refused;
        }
    }

    /** Opens the WebSocket to {@code peer} for {@code client}; completes on the client's loop once it is upgraded. */
    static CompletableFuture<Channel> connect(Channel client, RelayRouter.Peer peer, String header, ParleyConfig.Gateway limits) {
        CompletableFuture<Channel> out = new CompletableFuture<>();
        String host = peer.host().contains(":") && !peer.host().startsWith("[") ? "[" + peer.host() + "]" : peer.host();
        URI uri = URI.create("ws://" + host + ":" + peer.port() + GatewayInitializer.WS_PATH);
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.set(RelayAuth.HEADER, header);
        WebSocketClientProtocolConfig ws = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .customHeaders(headers)
                .handleCloseFrames(false)
                .sendCloseFrame(null) // a close of this channel is a drop; close frames are forwarded as they come
                .dropPongFrames(true)
                .maxFramePayloadLength(MAX_FRAME_BYTES)
                .handshakeTimeoutMillis(CONNECT_TIMEOUT_MS)
                .build();
        Class<? extends SocketChannel> type = client instanceof EpollSocketChannel ? EpollSocketChannel.class : NioSocketChannel.class;
        new Bootstrap().group(client.eventLoop()).channel(type)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(limits.writeBufferLowBytes(), limits.writeBufferHighBytes()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_HANDSHAKE_BYTES),
                                new WebSocketClientProtocolHandler(ws), new WebSocketFrameAggregator(MAX_FRAME_BYTES),
                                new Upgrade(out));
                    }
                })
                .connect(uri.getHost().replace("[", "").replace("]", ""), peer.port()).addListener(f -> {
                    if (!f.isSuccess()) {
                        boolean refused = f.cause() instanceof ConnectException
                                && String.valueOf(f.cause().getMessage()).toLowerCase().contains("refused");
                        out.completeExceptionally(new Failed("cannot connect to node " + peer.node() + " at " + peer.host()
                                + ":" + peer.port() + " (" + f.cause().getMessage() + ")", refused, f.cause()));
                    }
                });
        return out;
    }

    /** Starts piping: {@code client}'s pipeline hands its frames to {@code peer} from now on, and back. */
    static void pipe(Channel client, Channel peer, long closeTimeoutNanos) {
        peer.pipeline().addLast(new Pipe(client, true, closeTimeoutNanos));
        client.pipeline().replace(PipelineNames.WS_SIGNAL, PipelineNames.WS_RELAY, new Pipe(peer, false, closeTimeoutNanos));
        client.config().setAutoRead(peer.isWritable());
        peer.config().setAutoRead(client.isWritable());
    }

    /**
     * Closes {@code ch} without a close frame: from the pipeline's head, past the WebSocket handlers that would send
     * one (a drop must look like a drop, so the room node keeps the session for a resume).
     */
    static void drop(Channel ch) {
        ChannelHandlerContext head = ch.pipeline().firstContext();
        if (head == null) {
            ch.close();
        } else {
            head.close();
        }
    }

    /** Completes the connect once the peer accepted the upgrade; fails it with the peer's refusal otherwise. */
    private static final class Upgrade extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Channel> out;

        Upgrade(CompletableFuture<Channel> out) {
            this.out = out;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                ctx.pipeline().remove(this);
                ctx.channel().config().setAutoRead(false); // until the pipes are in place
                out.complete(ctx.channel());
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                out.completeExceptionally(new Failed("node did not answer the WebSocket upgrade within "
                        + CONNECT_TIMEOUT_MS + " ms", false, null));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String why = cause.getMessage();
            if (cause instanceof WebSocketClientHandshakeException h && h.response() != null) {
                String refusal = h.response().headers().get(REFUSAL_HEADER);
                why = "HTTP " + h.response().status() + (refusal == null ? "" : ": " + refusal);
            }
            out.completeExceptionally(new Failed("node refused the relayed session (" + why + ")", false, cause));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            out.completeExceptionally(new Failed("node closed the connection during the upgrade", false, null));
            super.channelInactive(ctx);
        }
    }

    /** Copies frames from its own channel to {@code other}; one on each side. */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel other;
        /** This pipe reads the room node's side (else the client's). */
        private final boolean fromPeer;
        private final long closeTimeoutNanos;
        private boolean closeSeen;

        Pipe(Channel other, boolean fromPeer, long closeTimeoutNanos) {
            this.other = other;
            this.fromPeer = fromPeer;
            this.closeTimeoutNanos = closeTimeoutNanos;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof WebSocketFrame frame) || msg instanceof PingWebSocketFrame || msg instanceof PongWebSocketFrame) {
                ReferenceCountUtil.release(msg); // pings are answered on each hop; nothing else belongs here
                return;
            }
            if (!other.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (frame instanceof CloseWebSocketFrame close) {
                closeSeen = true;
                int status = close.statusCode() < 0 ? 1000 : close.statusCode();
                String reason = close.reasonText();
                close.release();
                if (fromPeer) {
                    // The room node ends the session: the client gets its code and reason, then the socket goes.
                    OutboundGuard.closeWebSocket(other, status, reason, closeTimeoutNanos);
                    ctx.close();
                } else {
                    // The client ends it: the room node gets the same close (it answers and hangs up, which
                    // closes the client through the peer pipe); bounded by the close timeout in any case.
                    other.writeAndFlush(new CloseWebSocketFrame(status, reason));
                    ctx.executor().schedule(() -> {
                        ctx.close();
                        other.close();
                    }, closeTimeoutNanos, TimeUnit.NANOSECONDS);
                }
                return;
            }
            // Ownership passes with the write; a void promise fires a failure at the other side's exceptionCaught
            // (which closes it), as a listener per frame would.
            other.writeAndFlush(frame, other.voidPromise());
            if (!other.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            other.config().setAutoRead(ctx.channel().isWritable());
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            // Gone without a close frame: the other side drops too, without one (the room node then holds the session
            // for a resume; the client then resumes).
            if (!closeSeen && other.isOpen()) {
                drop(other);
            } else if (other.isOpen()) {
                // The close handshake is under way on the other side; bounded all the same.
                other.eventLoop().schedule(() -> {
                    other.close();
                }, closeTimeoutNanos, TimeUnit.NANOSECONDS);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
