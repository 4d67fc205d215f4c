package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.parley.media.srtp.SrtpKeys;
import io.parley.media.srtp.SrtpProfile;
import io.parley.media.srtp.SrtpSession;
import io.parley.protocol.media.RtpPacket;
import io.parley.server.config.ParleyConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A media plane on an {@link EmbeddedChannel} with a {@link FakeClock}: no sockets, no threads, no waiting. What the
 * plane writes to the UDP socket is read back with {@link #datagrams()}.
 */
final class SfuRig implements AutoCloseable {
    static final Duration ICE_TIMEOUT = Duration.ofSeconds(30);

    final EmbeddedChannel channel = new EmbeddedChannel();
    final FakeClock clock = new FakeClock();
    final MediaPlane plane;

    SfuRig() {
        this(0);
    }

    /** {@code mediaPort}: what the plane announces in its answers (an EmbeddedChannel has no port of its own). */
    SfuRig(int mediaPort) {
        plane = MediaPlane.attachedTo(new ParleyConfig.Media(mediaPort, "127.0.0.1", "127.0.0.1", ICE_TIMEOUT), channel,
                clock);
    }

    /** Records a Producer's or Consumer's events. */
    static final class Events implements MediaObserver {
        final List<MediaEvent> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(MediaEvent event) {
            seen.add(event);
        }

        <T extends MediaEvent> List<T> of(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (MediaEvent e : seen) {
                if (type.isInstance(e)) {
                    out.add(type.cast(e));
                }
            }
            return out;
        }
    }

    /** Records what a sink receives (copies; releases each buffer as the contract asks). */
    static final class Sink implements RtpSink {
        final List<byte[]> packets = new ArrayList<>();
        int closes;

        @Override
        public void onRtp(ByteBuf rtp) {
            try {
                byte[] b = new byte[rtp.readableBytes()];
                rtp.getBytes(rtp.readerIndex(), b);
                packets.add(b);
            } finally {
                rtp.release();
            }
        }

        @Override
        public void onClose() {
            closes++;
        }
    }

    void runTasks() {
        channel.runPendingTasks();
    }

    /** A plaintext Opus RTP packet (version 2, PT 111) with a 20-byte payload that names its sequence number. */
    static ByteBuf rtp(long ssrc, int seq) {
        ByteBuf b = Unpooled.buffer(64);
        RtpPacket.writeHeader(b, 111, false, seq, seq * 960L, ssrc, 0, false, 0);
        for (int i = 0; i < 20; i++) {
            b.writeByte(seq + i);
        }
        return b;
    }

    static SrtpKeys keys() {
        byte[][] k = new byte[4][];
        for (int i = 0; i < 4; i++) {
            k[i] = new byte[i % 2 == 0 ? 16 : 14];
            ThreadLocalRandom.current().nextBytes(k[i]);
        }
        return new SrtpKeys(SrtpProfile.AES_CM_128_HMAC_SHA1_80, k[0], k[1], k[2], k[3]);
    }

    static SrtpKeys mirror(SrtpKeys k) {
        return new SrtpKeys(k.profile(), k.remoteMasterKey(), k.remoteMasterSalt(), k.localMasterKey(), k.localMasterSalt());
    }

    /**
     * A WebRTC Consumer whose transport is connected (SRTP keys in place, address latched) without ICE or DTLS;
     * returns the player's side of the SRTP session, for decrypting what the plane sends it.
     */
    SrtpSession connectedConsumer(Consumer c, InetSocketAddress player) {
        WebRtcTransport t = new WebRtcTransport(plane, "c" + c.ssrc, "consumerpasswordconsum00", null, c, clock.nanoTime());
        c.transport = t;
        SrtpKeys keys = keys();
        t.srtp = new SrtpSession(keys);
        t.address = player;
        plane.register(t);
        plane.latch(t, player);
        return new SrtpSession(mirror(keys));
    }

    /** The datagrams the plane wrote since the last call (their buffers are the caller's to release). */
    List<DatagramPacket> datagrams() {
        channel.flush();
        List<DatagramPacket> out = new ArrayList<>();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            out.add((DatagramPacket) o);
        }
        return out;
    }

    static void release(List<DatagramPacket> packets) {
        packets.forEach(ReferenceCountUtil::release);
    }

    @Override
    public void close() {
        plane.closeAll();
        channel.runPendingTasks();
        release(datagrams());
        channel.finishAndReleaseAll();
    }
}
