package io.parley.loadtest.rtmp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP-FLV player, as a WeChat {@code <live-player>} would be: GET the URL, read the chunked FLV body and hand every
 * tag to a {@link Listener} on the connection's event loop. Lifecycle: requesting → streaming → ended.
 */
public final class FlvPlayer {
    /** What a player sees; called on its event loop, in order. */
    public interface Listener {
        /** The response head (200 for a stream; 403/404/503 with a text body for a refusal). */
        default void onResponse(int status, long nanos) {}

        /** The AAC sequence header (AudioSpecificConfig follows 0xAF 0x00). */
        default void onSequenceHeader(int timestamp, long nanos) {}

        /** One raw AAC frame: the tag's timestamp (ms, rebased by the server) and the frame's bytes (borrowed). */
        void onAudio(int timestamp, ByteBuffer raw, long nanos);

        /** The response ended (the stream stopped) or the connection closed; {@code error} null for a clean end. */
        void onEnd(String error);
    }

    private final Channel channel;

    private FlvPlayer(Channel channel) {
        this.channel = channel;
    }

    /** Sends the GET at once; returns the player (its events go to the listener). */
    public static FlvPlayer open(EventLoopGroup group, URI url, Listener listener, long[] requestSentNanos) {
        int port = url.getPort() < 0 ? 80 : url.getPort();
        String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        Handler h = new Handler(listener);
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec()).addLast(h);
                    }
                });
        requestSentNanos[0] = System.nanoTime();
        var f = b.connect(url.getHost(), port);
        f.addListener(x -> {
            if (!x.isSuccess()) {
                listener.onEnd("connect: " + x.cause());
                return;
            }
            var req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
            req.headers().set(HttpHeaderNames.HOST, url.getHost() + ":" + port);
            req.headers().set(HttpHeaderNames.USER_AGENT, "parley-loadtest");
            f.channel().writeAndFlush(req);
        });
        return new FlvPlayer(f.channel());
    }

    public void close() {
        channel.close();
    }

    private static final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        private final Listener listener;
        private ByteBuf buf;
        private int status;
        private boolean headerDone;
        private boolean ended;
        private final StringBuilder errorBody = new StringBuilder();

        Handler(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            buf = ctx.alloc().buffer(4096);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            long now = System.nanoTime();
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
                listener.onResponse(status, now);
            }
            if (msg instanceof HttpContent c) {
                if (status != 200) {
                    errorBody.append(c.content().toString(StandardCharsets.UTF_8));
                } else {
                    buf.writeBytes(c.content());
                    parse(now);
                }
                if (msg instanceof LastHttpContent) {
                    end(status == 200 ? null : "HTTP " + status + " " + errorBody.toString().strip());
                    ctx.close();
                }
            }
        }

        private void parse(long now) {
            if (!headerDone) {
                if (buf.readableBytes() < 13) {
                    return;
                }
                if (buf.getByte(buf.readerIndex()) != 'F' || buf.getByte(buf.readerIndex() + 1) != 'L') {
                    throw new IllegalStateException("not an FLV body");
                }
                buf.skipBytes(buf.getInt(buf.readerIndex() + 5) + 4); // header, PreviousTagSize0
                headerDone = true;
            }
            while (buf.readableBytes() >= 11) {
                int at = buf.readerIndex();
                int type = buf.getUnsignedByte(at) & 0x1F;
                int size = buf.getUnsignedMedium(at + 1);
                if (buf.readableBytes() < 11 + size + 4) {
                    break;
                }
                int ts = buf.getUnsignedMedium(at + 4) | buf.getUnsignedByte(at + 7) << 24;
                int body = at + 11;
                if (type == 8 && size >= 2) {
                    int packetType = buf.getUnsignedByte(body + 1);
                    if (packetType == 0) {
                        listener.onSequenceHeader(ts, now);
                    } else {
                        listener.onAudio(ts, buf.nioBuffer(body + 2, size - 2), now);
                    }
                }
                buf.skipBytes(11 + size + 4);
            }
            buf.discardSomeReadBytes();
        }

        private void end(String error) {
            if (!ended) {
                ended = true;
                listener.onEnd(error);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            end(status == 0 ? "connection closed before a response" : status == 200 ? "connection closed mid-stream"
                    : "HTTP " + status + " " + errorBody.toString().strip());
            buf.release();
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            end(cause.toString());
            ctx.close();
        }
    }
}
