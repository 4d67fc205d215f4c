package io.parley.server.sfu;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.media.Publisher;
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
import io.parley.server.auth.JwtTokens;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #8: one client made 264 publishes that each sent a STUN check and no DTLS, and the 256-thread handshake pool
 * refused every other App's handshakes for 30 s. Here a hostile App on 127.0.0.2 opens many transports: some only
 * send checks (they now hold no thread), the rest start a handshake with a junk record and go quiet (they hold a slot
 * until the stall timeout, within the limits). A well-behaved publisher of another App still connects within a bound
 * shorter than that timeout, taking the hostile App's slot.
 */
class DtlsExhaustionTest {
    private static final int MAX_HANDSHAKES = 4;
    private static final Duration STALL = Duration.ofSeconds(8);
    private TestServer server;
    private InetSocketAddress media;
    private final List<DatagramSocket> sockets = new ArrayList<>();
    private final List<ParleyEngine> engines = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.config().withMedia(TestServer.config().media()
                .withDtlsLimits(MAX_HANDSHAKES, 64, 64, 64).withDtlsTimeouts(Duration.ofSeconds(20), STALL))
                .withLimits(new ParleyConfig.Limits(64, 500, 10_000))); // the attacker publishes many streams as one user
        media = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.server().media().port());
    }

    @AfterEach
    void stop() {
        sockets.forEach(DatagramSocket::close);
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private record Ice(String ufrag, String pwd) {}

    private Ice publishRaw(ParleyEngine e, String streamId) throws Exception {
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce("cliufrag", "clientpasswordclientpwd1",
                new Sdp.Fingerprint("sha-256", String.join(":", Collections.nCopies(32, "AB"))));
        String offer = SdpWriter.offer(Sdp.Direction.SENDONLY, ice, new SdpWriter.LocalSource(1234, "cname1", "s", "t"), 1);
        Result r = e.request(Messages.START_PUBLISHING, new Messages.StartPublishing(streamId, "", offer)).get();
        assertThat(r.code()).as(r.message()).isZero();
        SessionDescription answer = SessionDescription.parse(r.data().path("sdp").asText());
        MediaSection audio = answer.media().get(0);
        return new Ice(audio.iceUfrag() != null ? audio.iceUfrag() : answer.iceUfrag(),
                audio.icePwd() != null ? audio.icePwd() : answer.icePwd());
    }

    /**
     * A socket on 127.0.0.2 (another source address than the good publisher's) that passed its ICE check. The check is
     * retransmitted as ICE does, should a datagram be lost.
     */
    private DatagramSocket checkedSocket(Ice ice) throws Exception {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.2"));
        sockets.add(s);
        s.setSoTimeout(250);
        byte[] tx = StunEncoder.newTransactionId();
        byte[] req = StunEncoder.bindingRequest(tx, ice.ufrag() + ":cliufrag", 1, true, 42, true,
                StunMessage.shortTermKey(ice.pwd()));
        byte[] buf = new byte[1500];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        for (int attempt = 0; ; attempt++) {
            s.send(new DatagramPacket(req, req.length, media));
            try {
                s.receive(p);
                break;
            } catch (java.net.SocketTimeoutException e) {
                if (attempt == 20) {
                    throw new AssertionError("no answer to the check of " + ice, e);
                }
            }
        }
        Parsed<StunMessage> m = StunMessage.parse(Arrays.copyOf(buf, p.getLength()));
        assertThat(m.isOk() && m.value().isBindingSuccess()).isTrue();
        return s;
    }

    /** A DTLS handshake record header (type 22, DTLS 1.2, epoch 0) whose body is junk: no ClientHello ever comes. */
    private static byte[] junkHandshakeRecord() {
        byte[] b = new byte[13 + 12];
        b[0] = 22;
        b[1] = (byte) 0xFE;
        b[2] = (byte) 0xFD;
        b[12] = 12;
        Arrays.fill(b, 13, b.length, (byte) 0x5A);
        return b;
    }

    @Test
    void aHostileAppHoldingEverySlotCannotKeepAnotherAppsPublisherOut() throws Exception {
        MediaPlane plane = server.server().media();
        ParleyEngine hostile = server.engine();
        engines.add(hostile);
        assertThat(hostile.loginRoom("h", token("mallory"), user("mallory"), withUserUpdates()).get().code()).isZero();

        // The attack: many publishes, each with a good STUN check and no DTLS. No handshake thread is taken.
        for (int i = 0; i < 20; i++) {
            checkedSocket(publishRaw(hostile, "quiet-" + i));
        }
        assertThat(plane.dtlsHandshakesRunning()).isZero();

        // Worse: handshakes started with junk and left hanging. At most MAX_HANDSHAKES run; the rest are deferred.
        List<DatagramSocket> hanging = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            hanging.add(checkedSocket(publishRaw(hostile, "hang-" + i)));
        }
        byte[] junk = junkHandshakeRecord();
        for (DatagramSocket s : hanging) {
            s.send(new DatagramPacket(junk, junk.length, media));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> plane.dtlsHandshakesRunning() == MAX_HANDSHAKES
                && plane.counters().dropped(DropReason.DTLS_BUSY) == 12 - MAX_HANDSHAKES);

        // Another App's publisher, with the real client (ICE, DTLS, SRTP), connects well before any hostile slot
        // would free itself by the stall timeout.
        ParleyEngine good = ParleyEngine.create(TestServer.OTHER_APP, server.wsUri());
        engines.add(good);
        Instant now = Instant.now();
        String goodToken = JwtTokens.mint(TestServer.OTHER_APP, "alice",
                TestServer.OTHER_SECRET.getBytes(StandardCharsets.UTF_8), now.minusSeconds(5), now.plus(Duration.ofHours(1)),
                null, true, true, null);
        assertThat(good.loginRoom("g", goodToken, user("alice"), withUserUpdates()).get().code()).isZero();
        long started = System.nanoTime();
        Publisher pub = good.startPublishingMedia("alice-mic", "").get(STALL.toSeconds() - 2, TimeUnit.SECONDS);
        await().atMost(STALL.minusSeconds(2)).until(() -> plane.connectedTransportCount().join() == 1);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(tookMillis).isLessThan(STALL.toMillis() - 2000);
        assertThat(pub.sendFrame(new byte[40])).isTrue();
        assertThat(plane.counters().dtlsPreempted()).isEqualTo(1);
        assertThat(plane.dtlsHandshakesRunning()).isLessThanOrEqualTo(MAX_HANDSHAKES);
    }
}
