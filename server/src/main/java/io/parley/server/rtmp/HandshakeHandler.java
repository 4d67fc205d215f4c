package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Server side of the handshake: reads C0+C1, answers S0+S1+S2 (digest when C1 carries a valid digest, else plain),
 * reads C2, then removes itself; bytes after C2 flow on to the chunk decoder. Closes the channel when the
 * handshake has not ended within the timeout. Lifecycle: awaiting C0C1 → awaiting C2 → done (removed).
 */
final class HandshakeHandler extends ByteToMessageDecoder {
    /** Fired as a user event when the handshake has ended; says whether it was a digest one. */
    record Done(boolean digest) {}

    private final Duration timeout;
    private final RtmpMetrics metrics;
    private boolean awaitingC2;
    private boolean digest;
    private boolean failed;
    private ScheduledFuture<?> deadline;

    HandshakeHandler(Duration timeout, RtmpMetrics metrics) {
        this.timeout = timeout;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx);
        super.channelActive(ctx);
    }

    private void arm(ChannelHandlerContext ctx) {
        if (deadline == null) {
            deadline = ctx.executor().schedule(() -> {
                metrics.protocolError("handshake_timeout");
                ctx.close();
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!awaitingC2) {
            if (in.readableBytes() < 1 + Handshake.PACKET) {
                if (in.isReadable() && in.getUnsignedByte(in.readerIndex()) != Handshake.VERSION) {
                    fail(in, in.getUnsignedByte(in.readerIndex()));
                }
                return;
            }
            int version = in.readUnsignedByte();
            if (version != Handshake.VERSION) {
                fail(in, version);
            }
            byte[] c1 = new byte[Handshake.PACKET];
            in.readBytes(c1);
            reply(ctx, c1);
            awaitingC2 = true;
        }
        if (in.readableBytes() < Handshake.PACKET) {
            return;
        }
        in.skipBytes(Handshake.PACKET); // C2: nothing in it that the server has to check
        ctx.fireUserEventTriggered(new Done(digest));
        ctx.pipeline().remove(this);
    }

    private void fail(ByteBuf in, int version) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw new RtmpException("handshake", "C0: RTMP version " + version + " (expected: 3; RTMPE is not served)");
    }

    private void reply(ChannelHandlerContext ctx, byte[] c1) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        byte[] random1 = new byte[Handshake.PACKET];
        byte[] random2 = new byte[Handshake.PACKET];
        rnd.nextBytes(random1);
        rnd.nextBytes(random2);
        int now = (int) System.currentTimeMillis();
        int offset = Handshake.findClientDigest(c1);
        digest = offset >= 0;
        byte[] s1 = digest ? Handshake.digestS1(random1, now, Handshake.layoutOf(offset)) : Handshake.plainS1(random1, now);
        byte[] s2 = digest ? Handshake.digestS2(random2, c1, offset) : c1;
        ByteBuf reply = ctx.alloc().buffer(1 + 2 * Handshake.PACKET);
        reply.writeByte(Handshake.VERSION).writeBytes(s1).writeBytes(s2);
        ctx.writeAndFlush(reply);
    }
}
