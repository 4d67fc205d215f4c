package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.parley.media.dtls.DtlsCertificate;
import io.parley.protocol.media.MediaSection;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client's first ICE check may reach the media socket before the media loop has run the task that sets up the
 * transport its answer named (the answer goes out at once; a loop busy forwarding reads before it runs its tasks).
 * That check must be answered, not dropped as an unknown ufrag: a dropped check costs the client a retransmission
 * timeout, seconds of silence at a join burst. The rig's loop runs no task until told, so the order is exact.
 */
class IceBeforeRegistrationTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final SdpWriter.LocalIce CLIENT_ICE = new SdpWriter.LocalIce("cliufrag", "clientpasswordclientpwd1",
            new Sdp.Fingerprint("sha-256", DtlsCertificate.generate().fingerprint().hex()));

    private final SfuRig rig = new SfuRig(10000);
    private final MediaSessions sessions = new MediaSessions(rig.plane);

    @AfterEach
    void close() {
        rig.close();
    }

    @Test
    void aPublishersFirstCheckIsAnsweredBeforeItsLoopRanTheSetUp() {
        Producer p = sessions.publish(null, "s1", offer(Sdp.Direction.SENDONLY, 1234), new SfuRig.Events());
        assertAnsweredAtOnce(p.answer());
    }

    @Test
    void aPlayersFirstCheckIsAnsweredBeforeItsLoopRanTheSetUp() {
        Producer p = sessions.publish(null, "s1", offer(Sdp.Direction.SENDONLY, 1234), new SfuRig.Events());
        rig.runTasks();
        Consumer c = sessions.play(p, offer(Sdp.Direction.RECVONLY, 5678), new SfuRig.Events());
        assertAnsweredAtOnce(c.answer());
    }

    @Test
    void aBundledSessionsFirstCheckIsAnsweredBeforeItsLoopRanTheSetUp() {
        AtomicReference<SessionTransport> holder = new AtomicReference<>();
        String offer = SdpWriter.bundleOffer(List.of(new SdpWriter.OfferSection("0", Sdp.Direction.SENDONLY,
                new SdpWriter.LocalSource(1234, "c0", "parley", "audio0"), false)), CLIENT_ICE, 7, 2);
        Producer p = sessions.publishBundled(holder, "s1", offer, "0", new SfuRig.Events());
        assertAnsweredAtOnce(p.answer());
    }

    private static String offer(Sdp.Direction direction, long ssrc) {
        return SdpWriter.offer(direction, CLIENT_ICE, new SdpWriter.LocalSource(ssrc, "cname" + ssrc, "s", "t"), 1);
    }

    private void assertAnsweredAtOnce(String answerSdp) {
        SessionDescription answer = SessionDescription.parse(answerSdp);
        MediaSection audio = answer.media().get(0);
        String ufrag = audio.iceUfrag() != null ? audio.iceUfrag() : answer.iceUfrag();
        String pwd = audio.icePwd() != null ? audio.icePwd() : answer.icePwd();
        byte[] tx = StunEncoder.newTransactionId();
        byte[] check = StunEncoder.bindingRequest(tx, ufrag + ":cliufrag", 1, true, 42, true, StunMessage.shortTermKey(pwd));
        // No rig.runTasks() before the check: the loop has not run the transport's set-up yet.
        rig.plane.onDatagram(Unpooled.wrappedBuffer(check), CLIENT, rig.clock.nanoTime());
        List<DatagramPacket> out = rig.datagrams();
        try {
            assertThat(rig.plane.counters().dropped(DropReason.STUN_UNKNOWN_USERNAME)).isZero();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).recipient()).isEqualTo(CLIENT);
            byte[] b = new byte[out.get(0).content().readableBytes()];
            out.get(0).content().getBytes(out.get(0).content().readerIndex(), b);
            Parsed<StunMessage> m = StunMessage.parse(b);
            assertThat(m.isOk() && m.value().isBindingSuccess()).as("a binding success").isTrue();
        } finally {
            SfuRig.release(out);
        }
        // and the set-up that follows keeps the transport
        rig.runTasks();
        assertThat(rig.plane.byUfrag(ufrag)).isNotNull();
    }
}
