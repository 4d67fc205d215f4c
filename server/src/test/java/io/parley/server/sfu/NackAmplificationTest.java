package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.socket.DatagramPacket;
import io.parley.protocol.media.RtcpPacket;
import io.parley.server.config.ParleyConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #8: three NACKs naming the same 17 packets 290 times each made the server send 14,790 retransmissions.
 * Through the seams on a fake clock: a local source, one WebRTC player whose NACKs are fed straight to its Consumer.
 */
class NackAmplificationTest {
    private static final long SSRC = 0x11223344L;
    private static final int PLAYER_SSRC = 0x5000;

    private static final class Rig implements AutoCloseable {
        final SfuRig sfu = new SfuRig();
        final LocalProducer source = sfu.plane.createLocalProducer("s1", SSRC, MediaObserver.NONE);
        final Consumer player = new Consumer(sfu.plane, source.producer(), MediaObserver.NONE, null, PLAYER_SSRC, "c", 111);
        int firstPlayerSeq;

        Rig(int packets) {
            sfu.connectedConsumer(player, new InetSocketAddress("127.0.0.1", 41000));
            sfu.runTasks();
            sfu.plane.execute(() -> {
                sfu.plane.track(player);
                source.producer().attach(player);
            });
            sfu.runTasks();
            for (int seq = 0; seq < packets; seq++) {
                source.deliver(SfuRig.rtp(SSRC, seq));
            }
            List<DatagramPacket> out = rtpOnly(sfu.datagrams());
            assertThat(out).hasSize(packets);
            SrtpPeek peek = new SrtpPeek();
            firstPlayerSeq = peek.sequenceNumber(out.get(0));
            SfuRig.release(out);
        }

        /** Feeds one NACK to the player's Consumer and returns how many datagrams the plane sent in answer. */
        int nack(RtcpPacket.Nack nack) {
            player.onRtcp(nack, sfu.clock.nanoTime());
            List<DatagramPacket> out = rtpOnly(sfu.datagrams());
            SfuRig.release(out);
            return out.size();
        }

        /** Leaves out (and releases) the sender reports the plane's real-time ticker may slip in. */
        private static List<DatagramPacket> rtpOnly(List<DatagramPacket> all) {
            List<DatagramPacket> rtp = new ArrayList<>();
            for (DatagramPacket p : all) {
                int pt = p.content().getUnsignedByte(p.content().readerIndex() + 1);
                if (pt >= 192 && pt <= 223) {
                    p.release();
                } else {
                    rtp.add(p);
                }
            }
            return rtp;
        }

        MediaCounters counters() {
            return sfu.plane.counters();
        }

        @Override
        public void close() {
            sfu.close();
        }
    }

    /** Reads the (unencrypted) RTP header's sequence number of an SRTP datagram. */
    private static final class SrtpPeek {
        int sequenceNumber(DatagramPacket p) {
            return p.content().getUnsignedShort(p.content().readerIndex() + 2);
        }
    }

    /** The attack: one NACK item naming 17 packets (PID + a full bitmask), repeated 290 times. */
    private static RtcpPacket.Nack hostileNack(int pid) {
        return new RtcpPacket.Nack(1, PLAYER_SSRC, Collections.nCopies(290, new RtcpPacket.NackItem(pid, 0xFFFF)));
    }

    @Test
    void theIssuesThreeNacksOf290RepeatsGetEachPacketOnceNotFourteenThousandTimes() {
        try (Rig rig = new Rig(20)) {
            int sent = 0;
            for (int i = 0; i < 3; i++) {
                sent += rig.nack(hostileNack(rig.firstPlayerSeq));
            }
            // Before the fix: 3 * 290 * 17 = 14,790 datagrams.
            assertThat(sent).isEqualTo(17);
            assertThat(rig.counters().retransmissions()).isEqualTo(17);
            assertThat(rig.counters().refused(RetransmitRefusal.TOO_SOON)).isEqualTo(3 * 290 * 17 - 17);
        }
    }

    @Test
    void aPacketIsResentOncePerRttAndAtMostNackMaxResendsTimes() {
        try (Rig rig = new Rig(5)) {
            RtcpPacket.Nack one = RtcpPacket.Nack.of(1, PLAYER_SSRC, rig.firstPlayerSeq);
            assertThat(rig.nack(one)).as("the first NACK is answered").isEqualTo(1);
            assertThat(rig.nack(one)).as("the same NACK at once is a duplicate").isZero();
            int resends = 1;
            for (int i = 0; i < 10; i++) {
                rig.sfu.clock.advance(Duration.ofMillis(100)); // past the interval (no RTT measured yet: 50 ms)
                resends += rig.nack(one);
            }
            assertThat(resends).isEqualTo(ParleyConfig.Media.DEFAULTS.nackMaxResends());
            assertThat(rig.counters().refused(RetransmitRefusal.PACKET_LIMIT)).isEqualTo(10 - 2);
            assertThat(rig.counters().refused(RetransmitRefusal.TOO_SOON)).isEqualTo(1);
        }
    }

    @Test
    void distinctPacketsBeyondThePerSecondBudgetAreRefusedAndTheBudgetRefills() {
        try (Rig rig = new Rig(120)) {
            // 120 packets of 32 bytes = 3840 bytes; the stream's rate is not measured yet, so the floor (4 kB/s) rules.
            int[] all = new int[120];
            for (int i = 0; i < all.length; i++) {
                all[i] = (rig.firstPlayerSeq + i) & 0xFFFF;
            }
            assertThat(rig.nack(RtcpPacket.Nack.of(1, PLAYER_SSRC, all))).isEqualTo(120);
            rig.sfu.clock.advance(Duration.ofMillis(100)); // 160 bytes left + 400 refilled = 560: 17 packets
            assertThat(rig.nack(RtcpPacket.Nack.of(1, PLAYER_SSRC, all))).isEqualTo(17);
            assertThat(rig.counters().refused(RetransmitRefusal.BUDGET)).isEqualTo(120 - 17);
        }
    }

    @Test
    void packetsNoLongerCachedAreCountedNotSent() {
        try (Rig rig = new Rig(RetransmissionCache.SIZE + 10)) {
            assertThat(rig.nack(RtcpPacket.Nack.of(1, PLAYER_SSRC, rig.firstPlayerSeq))).isZero();
            assertThat(rig.counters().refused(RetransmitRefusal.NOT_CACHED)).isEqualTo(1);
        }
    }
}
