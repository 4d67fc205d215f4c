package io.parley.server.sfu;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.media.MediaSection;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import io.parley.protocol.signal.Messages;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #8: the media port must be no reflector or amplifier. A raw UDP socket on loopback plays the attacker (or the
 * spoofed victim): binding requests for unknown ufrags get no answer; failed checks for a known ufrag get at most
 * {@code media.stunErrorRepliesPerSecond} error replies per source address; a good check is answered throughout.
 * Each burst ends with a good check, so the test never waits for silence: the first success read marks the end.
 */
class StunReflectionTest {
    private TestServer server;
    private DatagramSocket udp;
    private InetSocketAddress media;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
        udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        udp.setSoTimeout(5000);
        media = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.server().media().port());
    }

    @AfterEach
    void stop() {
        udp.close();
        server.close();
    }

    private MediaCounters counters() {
        return server.server().media().counters();
    }

    private void send(byte[] b) throws Exception {
        udp.send(new DatagramPacket(b, b.length, media));
    }

    private StunMessage receiveStun() throws Exception {
        byte[] buf = new byte[1500];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        udp.receive(p);
        Parsed<StunMessage> m = StunMessage.parse(Arrays.copyOf(buf, p.getLength()));
        assertThat(m.isOk()).as(m.error()).isTrue();
        return m.value();
    }

    /** Reads until the success for {@code tx}; returns how many error replies came before it. */
    private int errorsBefore(byte[] tx) throws Exception {
        int errors = 0;
        for (;;) {
            StunMessage m = receiveStun();
            if (m.isBindingSuccess()) {
                assertThat(m.transactionIdEquals(tx)).isTrue();
                return errors;
            }
            assertThat(m.isBindingError()).isTrue();
            errors++;
        }
    }

    private record Ice(String ufrag, String pwd) {}

    private Ice publish(ParleyEngine e) throws Exception {
        assertThat(e.loginRoom("m", token("pub"), user("pub"), withUserUpdates()).get().code()).isZero();
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce("cliufrag", "clientpasswordclientpwd1",
                new Sdp.Fingerprint("sha-256", String.join(":", Collections.nCopies(32, "AB"))));
        String offer = SdpWriter.offer(Sdp.Direction.SENDONLY, ice, new SdpWriter.LocalSource(1234, "cname1", "s", "t"), 1);
        Result r = e.request(Messages.START_PUBLISHING, new Messages.StartPublishing("pub-mic", "", offer)).get();
        assertThat(r.code()).as(r.message()).isZero();
        // Registration hops to the media loop; a check before it would be (silently) unknown.
        await().until(() -> server.server().media().transportCount() == 1);
        SessionDescription answer = SessionDescription.parse(r.data().path("sdp").asText());
        MediaSection audio = answer.media().get(0);
        return new Ice(audio.iceUfrag() != null ? audio.iceUfrag() : answer.iceUfrag(),
                audio.icePwd() != null ? audio.icePwd() : answer.icePwd());
    }

    private byte[] goodCheck(Ice ice) throws Exception {
        byte[] tx = StunEncoder.newTransactionId();
        send(StunEncoder.bindingRequest(tx, ice.ufrag() + ":cliufrag", 1, true, 42, false, StunMessage.shortTermKey(ice.pwd())));
        return tx;
    }

    @Test
    void bindingRequestsForUnknownUfragsOrWithoutUsernameGetNoAnswer() throws Exception {
        try (ParleyEngine e = server.engine()) {
            Ice ice = publish(e);
            byte[] key = StunMessage.shortTermKey("whatever-password-at-all");
            for (int i = 0; i < 200; i++) {
                send(StunEncoder.bindingRequest(StunEncoder.newTransactionId(), "guess" + i + ":x", 1, true, 42, false,
                        i % 2 == 0 ? key : null));
            }
            // A plain STUN-server query (RFC 8489 binding request with no attributes): the classic reflector probe.
            byte[] bare = StunEncoder.bindingRequest(StunEncoder.newTransactionId(), "", 1, true, 42, false, null);
            for (int i = 0; i < 50; i++) {
                send(bare);
            }
            // Before the fix every one of those 250 got a 401; now the first thing heard is the good check's success.
            assertThat(errorsBefore(goodCheck(ice))).isZero();
            assertThat(counters().dropped(DropReason.STUN_UNKNOWN_USERNAME)).isEqualTo(250);
            assertThat(counters().stunErrorReplies()).isZero();
        }
    }

    @Test
    void failedChecksOfAKnownUfragGetErrorRepliesOnlyWithinThePerAddressRate() throws Exception {
        try (ParleyEngine e = server.engine()) {
            Ice ice = publish(e);
            int perSecond = ParleyConfig.Media.DEFAULTS.stunErrorRepliesPerSecond();
            byte[] wrong = StunMessage.shortTermKey("not-the-password-at-all");
            long started = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                send(StunEncoder.bindingRequest(StunEncoder.newTransactionId(), ice.ufrag() + ":cliufrag", 1, true, 42,
                        false, i % 3 == 0 ? null : wrong)); // no integrity: 400; wrong integrity: 401
            }
            int errors = errorsBefore(goodCheck(ice));
            double seconds = (System.nanoTime() - started) / 1e9;
            // One second's burst plus what refilled while we sent; before the fix all 300 were answered.
            assertThat(errors).isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(perSecond + (int) Math.ceil(seconds * perSecond));
            assertThat(counters().stunErrorReplies()).isEqualTo(errors);
            assertThat(counters().stunErrorRepliesLimited()).isEqualTo(300 - errors);
            assertThat(counters().dropped(DropReason.STUN_BAD_INTEGRITY)).isEqualTo(300);
            // Well-behaved checks are never limited: ten more in a row are all answered with success.
            for (int i = 0; i < 10; i++) {
                assertThat(errorsBefore(goodCheck(ice))).isZero();
            }
        }
    }
}
