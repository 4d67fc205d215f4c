package io.parley.server.rtmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HandshakeTest {
    private final List<Object> events = new ArrayList<>();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new HandshakeHandler(Duration.ofSeconds(10), RtmpMetrics.detached()),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        events.add(evt);
                    }
                });
    }

    private static byte[] random(long seed) {
        byte[] b = new byte[Handshake.PACKET];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    @Test
    void plainHandshakeEchoesC1AndPassesOnWhatFollowsC2() {
        EmbeddedChannel ch = channel();
        byte[] c1 = random(1);
        Arrays.fill(c1, 4, 8, (byte) 0); // a plain C1: zero version, no digest
        ch.writeInbound(Unpooled.buffer().writeByte(3).writeBytes(c1));
        byte[] reply = readAll(ch.readOutbound());
        assertThat(reply).hasSize(1 + 2 * Handshake.PACKET);
        assertThat(reply[0]).isEqualTo((byte) 3);                                   // S0: version 3
        assertThat(Arrays.copyOfRange(reply, 5, 9)).containsOnly(0);                // S1 bytes 4..7: zero
        assertThat(Arrays.copyOfRange(reply, 1 + Handshake.PACKET, reply.length)).isEqualTo(c1); // S2 = C1
        assertThat(ch.pipeline().get(HandshakeHandler.class)).isNotNull();
        ch.writeInbound(Unpooled.buffer().writeBytes(random(2)).writeBytes(new byte[] {7, 8})); // C2 + 2 bytes
        assertThat(ch.pipeline().get(HandshakeHandler.class)).as("removed itself").isNull();
        assertThat(events).containsExactly(new HandshakeHandler.Done(false));
        assertThat(readAll(ch.readInbound())).containsExactly(7, 8);
        assertFalse(ch.finish());
    }

    @Test
    void digestHandshakeAnswersWithValidS1AndS2() throws Exception {
        for (int layout = 0; layout < 2; layout++) {
            events.clear();
            EmbeddedChannel ch = channel();
            byte[] c1 = random(10 + layout);
            c1[4] = 9; c1[5] = 0; c1[6] = 124; c1[7] = 2; // client version 9.0.124.2, as ffmpeg sends
            int off = Handshake.digestOffset(c1, layout);
            System.arraycopy(Handshake.digestAt(c1, off, Handshake.FP_KEY, Handshake.FP_KEY_SHORT), 0, c1, off, 32);
            assertThat(Handshake.findClientDigest(c1)).isEqualTo(off);

            ch.writeInbound(Unpooled.buffer().writeByte(3).writeBytes(c1));
            byte[] reply = readAll(ch.readOutbound());
            byte[] s1 = Arrays.copyOfRange(reply, 1, 1 + Handshake.PACKET);
            byte[] s2 = Arrays.copyOfRange(reply, 1 + Handshake.PACKET, reply.length);
            assertThat(s1[4] & 0xFF).as("server version >= 3 makes ffmpeg check the digests").isGreaterThanOrEqualTo(3);
            int s1Off = Handshake.digestOffset(s1, layout);
            assertThat(Arrays.copyOfRange(s1, s1Off, s1Off + 32))
                    .isEqualTo(Handshake.digestAt(s1, s1Off, Handshake.FMS_KEY, Handshake.FMS_KEY_SHORT));
            // S2's last 32 bytes: HMAC(key = HMAC(FMS key, C1 digest), S2 without them), computed independently here
            Mac keyMac = Mac.getInstance("HmacSHA256");
            keyMac.init(new SecretKeySpec(Handshake.FMS_KEY, "HmacSHA256"));
            byte[] key = keyMac.doFinal(Arrays.copyOfRange(c1, off, off + 32));
            Mac sig = Mac.getInstance("HmacSHA256");
            sig.init(new SecretKeySpec(key, "HmacSHA256"));
            sig.update(s2, 0, Handshake.PACKET - 32);
            assertThat(Arrays.copyOfRange(s2, Handshake.PACKET - 32, Handshake.PACKET)).isEqualTo(sig.doFinal());

            ch.writeInbound(Unpooled.wrappedBuffer(random(3)));
            assertThat(events).containsExactly(new HandshakeHandler.Done(true));
            assertFalse(ch.finish());
        }
    }

    @Test
    void stalledHandshakeIsClosedAtTheDeadline() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.buffer().writeByte(3).writeBytes(new byte[100])); // C0 and a part of C1
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void wrongVersionIsATypedError() {
        EmbeddedChannel ch = channel();
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {6, 1, 2})));
        assertThat(e.getCause()).isInstanceOf(RtmpException.class).hasMessageContaining("version 6");
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {3, 3, 3})); // discarded after the failure
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
