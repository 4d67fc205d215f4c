package io.parley.loadtest.rtmp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal RTMP publisher, as a WeChat {@code <live-pusher>} would be for audio: plain handshake, connect,
 * createStream, publish {@code <streamID>?key=…}, then AAC audio messages the caller paces. Outgoing chunk size 4096,
 * so every audio message is one chunk (fmt 0 header). Incoming chunks (commands, control) are reassembled with the
 * peer's chunk size. Thread-safe for sending; lifecycle: connecting → publishing → closed.
 */
public final class RtmpPublisher {
    static final int CHUNK_SIZE = 4096;
    static final int CSID_CONTROL = 2;
    static final int CSID_COMMAND = 3;
    static final int CSID_AUDIO = 4;
    static final int CSID_DATA = 5;
    static final int HANDSHAKE = 1536;

    private final Channel channel;
    private final CompletableFuture<RtmpPublisher> publishing = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile int streamId;

    private RtmpPublisher(Channel channel) {
        this.channel = channel;
    }

    /**
     * Connects to {@code rtmp://host:port/app/name?query} and publishes; completes once the server answered
     * NetStream.Publish.Start, or fails with its onStatus description.
     */
    public static CompletableFuture<RtmpPublisher> publish(EventLoopGroup group, URI url) {
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        int slash = path.indexOf('/', 1);
        if (!"rtmp".equalsIgnoreCase(url.getScheme()) || slash < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not an rtmp://host:port/app/name URL: " + url));
        }
        String app = path.substring(1, slash);
        String name = path.substring(slash + 1) + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        String tcUrl = "rtmp://" + url.getHost() + ":" + (url.getPort() < 0 ? 1935 : url.getPort()) + "/" + app;
        CompletableFuture<RtmpPublisher> result = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        b.handler(new ChannelInboundHandlerAdapter()); // replaced below once the channel exists
        b.connect(url.getHost(), url.getPort() < 0 ? 1935 : url.getPort()).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
            RtmpPublisher p = new RtmpPublisher(ch);
            ch.closeFuture().addListener(x -> {
                p.closed.complete(null);
                p.publishing.completeExceptionally(new IllegalStateException("RTMP connection closed before NetStream.Publish.Start"));
            });
            p.publishing.whenComplete((v, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                    ch.close();
                } else {
                    result.complete(v);
                }
            });
            ch.pipeline().addLast(p.new Handler(app, name, tcUrl));
            ch.eventLoop().execute(() -> ch.pipeline().get(Handler.class).start(ch));
        });
        return result;
    }

    /** The FLV/RTMP AAC sequence header: 0xAF 0x00 AudioSpecificConfig. */
    public void sendSequenceHeader(byte[] audioSpecificConfig) {
        ByteBuf body = channel.alloc().buffer(2 + audioSpecificConfig.length);
        body.writeByte(0xAF).writeByte(0).writeBytes(audioSpecificConfig);
        send(CSID_AUDIO, 8, 0, streamId, body);
    }

    /** onMetaData as @setDataFrame, as pushers send before the audio. */
    public void sendMetadata(int sampleRate, int channels) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("audiocodecid", 10.0);
        meta.put("audiosamplerate", (double) sampleRate);
        meta.put("audiosamplesize", 16.0);
        meta.put("stereo", channels > 1);
        meta.put("encoder", "parley-loadtest");
        ByteBuf body = channel.alloc().buffer(160);
        Amf0.encode(body, "@setDataFrame", "onMetaData", meta);
        send(CSID_DATA, 18, 0, streamId, body);
    }

    /** One raw AAC frame as an RTMP audio message (0xAF 0x01 frame) with the timestamp in ms. Any thread. */
    public void sendAudio(byte[] rawFrame, long timestampMs) {
        ByteBuf body = channel.alloc().buffer(2 + rawFrame.length);
        body.writeByte(0xAF).writeByte(1).writeBytes(rawFrame);
        send(CSID_AUDIO, 8, (int) timestampMs, streamId, body);
    }

    /** False while the socket's write buffer is above its high-water mark (the server does not read fast enough). */
    public boolean isWritable() {
        return channel.isWritable();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    public CompletableFuture<Void> closed() {
        return closed;
    }

    public void close() {
        channel.close();
    }

    private void send(int csid, int type, int timestamp, int msgStreamId, ByteBuf body) {
        ByteBuf out = encode(channel.alloc(), csid, type, timestamp, msgStreamId, body, CHUNK_SIZE);
        body.release();
        channel.writeAndFlush(out, channel.voidPromise());
    }

    /** Cuts one message into chunks: fmt 0 first, fmt 3 continuations (csid 2..63 only). */
    static ByteBuf encode(ByteBufAllocator alloc, int csid, int type, int timestamp, int msgStreamId, ByteBuf body, int chunkSize) {
        int len = body.readableBytes();
        boolean ext = Integer.compareUnsigned(timestamp, 0xFFFFFF) >= 0;
        int chunks = Math.max(1, (len + chunkSize - 1) / chunkSize);
        ByteBuf out = alloc.buffer(len + 12 + (ext ? 4 : 0) + (chunks - 1) * (1 + (ext ? 4 : 0)));
        out.writeByte(csid).writeMedium(ext ? 0xFFFFFF : timestamp).writeMedium(len).writeByte(type).writeIntLE(msgStreamId);
        if (ext) {
            out.writeInt(timestamp);
        }
        int at = body.readerIndex();
        int left = len;
        boolean first = true;
        while (first || left > 0) {
            if (!first) {
                out.writeByte(0xC0 | csid);
                if (ext) {
                    out.writeInt(timestamp);
                }
            }
            int n = Math.min(chunkSize, left);
            out.writeBytes(body, at, n);
            at += n;
            left -= n;
            first = false;
        }
        return out;
    }

    /** Handshake, then chunk reassembly and the command exchange. Event loop only. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        private final String app;
        private final String name;
        private final String tcUrl;
        private ByteBuf in;
        private boolean handshaken;
        private int peerChunkSize = 128;
        private final Map<Integer, int[]> headers = new HashMap<>(); // csid -> {timestamp, length, type, streamId, delta}
        private final Map<Integer, ByteBuf> partial = new HashMap<>();

        Handler(String app, String name, String tcUrl) {
            this.app = app;
            this.name = name;
            this.tcUrl = tcUrl;
        }

        void start(Channel ch) {
            in = ch.alloc().buffer(4 * HANDSHAKE);
            ByteBuf c0c1 = ch.alloc().buffer(1 + HANDSHAKE);
            byte[] random = new byte[HANDSHAKE - 8];
            ThreadLocalRandom.current().nextBytes(random);
            c0c1.writeByte(3).writeInt((int) System.currentTimeMillis()).writeInt(0).writeBytes(random);
            ch.writeAndFlush(c0c1, ch.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                in.writeBytes(b);
            } finally {
                b.release();
            }
            try {
                if (!handshaken) {
                    if (in.readableBytes() < 1 + 2 * HANDSHAKE) {
                        return;
                    }
                    int version = in.readUnsignedByte();
                    if (version != 3) {
                        throw new IllegalStateException("S0: RTMP version " + version);
                    }
                    ByteBuf c2 = ctx.alloc().buffer(HANDSHAKE);
                    c2.writeBytes(in, HANDSHAKE); // C2 echoes S1
                    in.skipBytes(HANDSHAKE); // S2
                    handshaken = true;
                    ctx.write(c2, ctx.voidPromise());
                    ByteBuf size = ctx.alloc().buffer(4).writeInt(CHUNK_SIZE);
                    ctx.write(encode(ctx.alloc(), CSID_CONTROL, 1, 0, 0, size, 128), ctx.voidPromise());
                    size.release();
                    Map<String, Object> cmd = new LinkedHashMap<>();
                    cmd.put("app", app);
                    cmd.put("type", "nonprivate");
                    cmd.put("flashVer", "FMLE/3.0 (compatible; parley-loadtest)");
                    cmd.put("tcUrl", tcUrl);
                    command(ctx, 0, "connect", 1.0, cmd);
                }
                while (in.isReadable() && chunk(ctx)) {
                    // one chunk per turn
                }
                in.discardReadBytes();
            } catch (RuntimeException e) {
                publishing.completeExceptionally(e);
                ctx.close();
            }
        }

        private void command(ChannelHandlerContext ctx, int msgStreamId, Object... values) {
            ByteBuf body = ctx.alloc().buffer(256);
            Amf0.encode(body, values);
            ctx.writeAndFlush(encode(ctx.alloc(), CSID_COMMAND, 20, 0, msgStreamId, body, CHUNK_SIZE), ctx.voidPromise());
            body.release();
        }

        /** One whole chunk, or false (nothing consumed) when it has not arrived. */
        private boolean chunk(ChannelHandlerContext ctx) {
            int start = in.readerIndex();
            int b0 = in.readUnsignedByte();
            int fmt = b0 >>> 6;
            int csid = b0 & 0x3F;
            if (csid == 0) {
                if (!in.isReadable()) {
                    in.readerIndex(start);
                    return false;
                }
                csid = 64 + in.readUnsignedByte();
            } else if (csid == 1) {
                if (in.readableBytes() < 2) {
                    in.readerIndex(start);
                    return false;
                }
                csid = 64 + in.readUnsignedByte() + 256 * in.readUnsignedByte();
            }
            int hlen = fmt == 0 ? 11 : fmt == 1 ? 7 : fmt == 2 ? 3 : 0;
            if (in.readableBytes() < hlen) {
                in.readerIndex(start);
                return false;
            }
            int[] h = headers.get(csid);
            int[] nh = h == null ? new int[5] : h.clone();
            int tsField = nh[4];
            if (fmt <= 2) {
                tsField = in.readUnsignedMedium();
            }
            if (fmt <= 1) {
                nh[1] = in.readUnsignedMedium();
                nh[2] = in.readUnsignedByte();
            }
            if (fmt == 0) {
                nh[3] = in.readIntLE();
            }
            if (tsField == 0xFFFFFF) {
                if (in.readableBytes() < 4) {
                    in.readerIndex(start);
                    return false;
                }
                int ext = in.readInt();
                if (fmt <= 2) {
                    tsField = ext;
                }
            }
            ByteBuf part = partial.get(csid);
            int have = part == null ? 0 : part.readableBytes();
            int n = Math.min(peerChunkSize, nh[1] - have);
            if (in.readableBytes() < n) {
                in.readerIndex(start);
                return false;
            }
            if (part == null) {
                nh[0] = fmt == 0 ? tsField : nh[0] + (fmt == 3 ? 0 : tsField);
                nh[4] = tsField;
                part = ctx.alloc().buffer(Math.max(nh[1], 1));
                partial.put(csid, part);
            }
            headers.put(csid, nh);
            part.writeBytes(in, n);
            if (part.readableBytes() >= nh[1]) {
                partial.remove(csid);
                try {
                    message(ctx, nh[2], nh[3], part);
                } finally {
                    part.release();
                }
            }
            return true;
        }

        private void message(ChannelHandlerContext ctx, int type, int msgStreamId, ByteBuf body) {
            switch (type) {
                case 1 -> peerChunkSize = body.readInt() & 0x7FFFFFFF;
                case 4 -> { // user control: answer pings
                    if (body.readableBytes() >= 6 && body.getUnsignedShort(0) == 6) {
                        ByteBuf pong = ctx.alloc().buffer(6).writeShort(7).writeInt(body.getInt(2));
                        ctx.writeAndFlush(encode(ctx.alloc(), CSID_CONTROL, 4, 0, 0, pong, CHUNK_SIZE), ctx.voidPromise());
                        pong.release();
                    }
                }
                case 20 -> command(ctx, Amf0.decodeAll(body));
                default -> { }
            }
        }

        private void command(ChannelHandlerContext ctx, List<Object> v) {
            if (v.isEmpty() || !(v.get(0) instanceof String cmd)) {
                return;
            }
            double tx = v.size() > 1 && v.get(1) instanceof Double d ? d : 0;
            switch (cmd) {
                case "_result" -> {
                    if (tx == 1.0) {
                        command(ctx, 0, "createStream", 2.0, null);
                    } else if (tx == 2.0) {
                        streamId = v.size() > 3 && v.get(3) instanceof Double d ? d.intValue() : 1;
                        command(ctx, streamId, "publish", 0.0, null, name, "live");
                    }
                }
                case "_error" -> publishing.completeExceptionally(new IllegalStateException("RTMP _error: " + describe(v)));
                case "onStatus" -> {
                    Object info = v.size() > 3 ? v.get(3) : null;
                    String code = info instanceof Map<?, ?> m ? String.valueOf(m.get("code")) : "";
                    if ("NetStream.Publish.Start".equals(code)) {
                        publishing.complete(RtmpPublisher.this);
                    } else if (info instanceof Map<?, ?> m && "error".equals(m.get("level"))) {
                        publishing.completeExceptionally(new IllegalStateException("RTMP " + code + ": " + m.get("description")));
                    }
                }
                default -> { }
            }
        }

        private String describe(List<Object> v) {
            Object info = v.size() > 3 ? v.get(3) : null;
            return info instanceof Map<?, ?> m ? m.get("code") + " " + m.get("description") : String.valueOf(v);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            release();
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            publishing.completeExceptionally(cause);
            ctx.close();
        }

        private void release() {
            if (in != null) {
                in.release();
                in = null;
            }
            partial.values().forEach(ByteBuf::release);
            partial.clear();
        }
    }
}
