package io.parley.server.sfu;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.media.MediaSection;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import io.parley.protocol.signal.Messages;
import io.parley.server.TestServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Garbage on the media port is dropped and counted; nothing else is disturbed. Raw UDP on loopback. */
class BadPacketsTest {
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

    /** A publish offer as a WebRTC stack would send it (its fingerprint is never checked: no DTLS here). */
    private static String offer() {
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce("cliufrag", "clientpasswordclientpwd1",
                new Sdp.Fingerprint("sha-256", String.join(":", java.util.Collections.nCopies(32, "AB"))));
        return SdpWriter.offer(Sdp.Direction.SENDONLY, ice, new SdpWriter.LocalSource(1234, "cname1", "s", "t"), 1);
    }

    @Test
    void garbageTruncatedAndUnlatchedPacketsAreDroppedAndCounted() throws Exception {
        send(new byte[] {(byte) 0xFF, 1, 2, 3});                       // no protocol starts with 0xFF
        send(new byte[] {(byte) 0x80, 0x6F, 0, 1});                    // an RTP header cut short, from nowhere
        byte[] rtp = new byte[40];
        rtp[0] = (byte) 0x80;
        rtp[1] = 111;
        send(rtp);                                                     // a whole RTP packet from an unlatched address
        send(new byte[] {22, (byte) 0xFE, (byte) 0xFD, 0, 0});        // DTLS from an unlatched address
        await().untilAsserted(() -> {
            assertThat(counters().dropped(DropReason.MALFORMED)).isGreaterThanOrEqualTo(1);
            assertThat(counters().dropped(DropReason.UNKNOWN_ADDRESS)).isGreaterThanOrEqualTo(3);
        });
        assertThat(counters().rtpPacketsIn()).isZero();
    }

    @Test
    void stunChecksAreVerifiedAndBadOnesRefused() throws Exception {
        try (ParleyEngine e = server.engine()) {
            assertThat(e.loginRoom("m", token("pub"), user("pub"), withUserUpdates()).get().code()).isZero();
            Result r = e.request(Messages.START_PUBLISHING, new Messages.StartPublishing("pub-mic", "", offer())).get();
            assertThat(r.code()).as(r.message()).isZero();
            SessionDescription answer = SessionDescription.parse(r.data().path("sdp").asText());
            MediaSection audio = answer.media().get(0);
            assertThat(answer.iceLite()).isTrue();
            assertThat(audio.setup()).isEqualTo(Sdp.Setup.PASSIVE);
            // One UDP host candidate on the media port, and its ICE-TCP passive twin below it.
            assertThat(audio.candidates()).filteredOn(c -> c.transport().equals("udp")).singleElement().satisfies(c -> {
                assertThat(c.address()).isEqualTo("127.0.0.1");
                assertThat(c.port()).isEqualTo(media.getPort());
            });
            assertThat(audio.candidates()).filteredOn(c -> c.transport().equals("tcp")).singleElement().satisfies(c -> {
                assertThat(c.port()).isEqualTo(server.server().media().tcpAddresses().get(0).getPort());
                assertThat(c.priority()).isLessThan(audio.candidates().get(0).priority());
            });
            await().until(() -> server.server().media().transportCount() == 1); // registered on the media loop
            String serverUfrag = audio.iceUfrag() != null ? audio.iceUfrag() : answer.iceUfrag();
            String serverPwd = audio.icePwd() != null ? audio.icePwd() : answer.icePwd();

            // Wrong password: 401, counted, no latch.
            byte[] tx = StunEncoder.newTransactionId();
            send(StunEncoder.bindingRequest(tx, serverUfrag + ":cliufrag", 1, true, 42, true,
                    StunMessage.shortTermKey("not-the-password-at-all")));
            StunMessage bad = receiveStun();
            assertThat(bad.isBindingError()).isTrue();
            assertThat(bad.errorCode()).isEqualTo(401);
            // Unknown username: no answer at all (the next thing heard is the good check's success), counted.
            send(StunEncoder.bindingRequest(StunEncoder.newTransactionId(), "nobody:cliufrag", 1, true, 42, true,
                    StunMessage.shortTermKey(serverPwd)));

            // The right check still works after all that: success with our address, integrity by the server's pwd.
            byte[] good = StunEncoder.newTransactionId();
            send(StunEncoder.bindingRequest(good, serverUfrag + ":cliufrag", 1, true, 42, true, StunMessage.shortTermKey(serverPwd)));
            StunMessage ok = receiveStun();
            assertThat(counters().dropped(DropReason.STUN_BAD_INTEGRITY)).isEqualTo(1);
            assertThat(counters().dropped(DropReason.STUN_UNKNOWN_USERNAME)).isEqualTo(1);
            assertThat(ok.isBindingSuccess()).isTrue();
            assertThat(ok.transactionIdEquals(good)).isTrue();
            assertThat(ok.checkIntegrity(StunMessage.shortTermKey(serverPwd))).isTrue();
            assertThat(ok.checkFingerprint()).isTrue();
            assertThat(ok.xorMappedAddress()).isEqualTo(udp.getLocalSocketAddress());
            // Now latched: SRTP before DTLS is dropped as not connected.
            byte[] rtp = new byte[40];
            rtp[0] = (byte) 0x80;
            rtp[1] = 111;
            send(rtp);
            await().until(() -> counters().dropped(DropReason.NOT_CONNECTED) == 1);
        }
    }

    @Test
    void refusedOffersGetTheirCodeAndClaimNothing() throws Exception {
        try (ParleyEngine e = server.engine()) {
            assertThat(e.loginRoom("m", token("pub"), user("pub"), withUserUpdates()).get().code()).isZero();
            Result garbage = e.request(Messages.START_PUBLISHING, new Messages.StartPublishing("s1", "", "not sdp")).get();
            assertThat(garbage.code()).isEqualTo(ErrorCode.PUBLISH_SDP_REFUSED);
            assertThat(garbage.message()).startsWith("sdp");
            String noOpus = offer().replace("opus/48000/2", "PCMU/8000");
            Result refused = e.request(Messages.START_PUBLISHING, new Messages.StartPublishing("s1", "", noOpus)).get();
            assertThat(refused.code()).isEqualTo(ErrorCode.PUBLISH_SDP_REFUSED);
            assertThat(refused.message()).contains("NO_OPUS");
            String recvOnly = offer().replace("a=sendonly", "a=recvonly");
            assertThat(e.request(Messages.START_PUBLISHING, new Messages.StartPublishing("s1", "", recvOnly)).get().code())
                    .isEqualTo(ErrorCode.PUBLISH_SDP_REFUSED);
            // The streamID was never claimed: it publishes fine now.
            assertThat(e.request(Messages.START_PUBLISHING, new Messages.StartPublishing("s1", "", offer())).get().code()).isZero();
            Result missing = e.request(Messages.START_PLAYING, new Messages.StartPlaying("nope", offer().replace("a=sendonly", "a=recvonly"))).get();
            assertThat(missing.code()).isEqualTo(ErrorCode.PLAY_STREAM_NOT_FOUND);
            Result noSdp = e.request(Messages.START_PLAYING, new Messages.StartPlaying("s1", null)).get();
            assertThat(noSdp.code()).isEqualTo(ErrorCode.PLAY_SDP_REFUSED);
        }
    }

    @Test
    void transportWithoutIceIsClosedAndThePublisherTold() throws Exception {
        try (TestServer quick = TestServer.start(TestServer.config().withMedia(
                new io.parley.server.config.ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", java.time.Duration.ofSeconds(1))));
             ParleyEngine e = quick.engine(); ParleyEngine peer = quick.engine()) {
            io.parley.server.Pushes pe = io.parley.server.Pushes.on(e);
            io.parley.server.Pushes pp = io.parley.server.Pushes.on(peer);
            e.loginRoom("m", token("pub"), user("pub"), withUserUpdates()).get();
            peer.loginRoom("m", token("peer"), user("peer"), withUserUpdates()).get();
            assertThat(e.request(Messages.START_PUBLISHING, new Messages.StartPublishing("silent", "", offer())).get().code()).isZero();
            pe.await(Messages.PUBLISHER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PUBLISH_REQUESTING"));
            io.parley.server.Pushes.Push failed = pe.await(Messages.PUBLISHER_STATE_UPDATE,
                    p -> p.data().path("state").asText().equals("NO_PUBLISH"));
            assertThat(failed.data().path("errorCode").asInt()).isEqualTo(ErrorCode.PUBLISH_MEDIA_FAILED);
            // The client is told which address and port it was told to reach (they are the likely culprit).
            assertThat(failed.data().path("extendedData").asText()).contains("no ICE connectivity check",
                    "at udp 127.0.0.1:" + quick.server().media().port(), "PARLEY_MEDIA_ANNOUNCED_ADDRESS");
            pp.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE"));
            await().until(() -> quick.server().media().transportCount() == 0);
            assertThat(quick.server().rooms().streamCount()).isZero();
        }
    }

    @Test
    void playerWithoutIceIsClosedAndToldWhereItShouldHaveSent() throws Exception {
        try (TestServer quick = TestServer.start(TestServer.config().withMedia(
                new io.parley.server.config.ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", java.time.Duration.ofSeconds(1))));
             ParleyEngine pub = quick.engine(); ParleyEngine player = quick.engine()) {
            io.parley.server.Pushes pl = io.parley.server.Pushes.on(player);
            pub.loginRoom("m", token("pub"), user("pub"), withUserUpdates()).get();
            player.loginRoom("m", token("pl"), user("pl"), withUserUpdates()).get();
            // Announced without media (no SDP), so the stream outlives the player's silent transport.
            assertThat(pub.request(Messages.START_PUBLISHING, new Messages.StartPublishing("quiet", "", null)).get().code()).isZero();
            Result played = player.request(Messages.START_PLAYING,
                    new Messages.StartPlaying("quiet", offer().replace("a=sendonly", "a=recvonly"))).get();
            assertThat(played.code()).as(played.message()).isZero();
            io.parley.server.Pushes.Push failed = pl.await(Messages.PLAYER_STATE_UPDATE,
                    p -> p.data().path("state").asText().equals("NO_PLAY"));
            assertThat(failed.data().path("errorCode").asInt()).isEqualTo(ErrorCode.PLAY_MEDIA_FAILED);
            assertThat(failed.data().path("extendedData").asText()).contains("no ICE connectivity check",
                    "at udp 127.0.0.1:" + quick.server().media().port(), "PARLEY_MEDIA_ANNOUNCED_ADDRESS");
        }
    }

    @Test
    void nothingIsAnsweredToStunResponsesOrIndications() throws Exception {
        byte[] success = StunEncoder.bindingSuccess(StunEncoder.newTransactionId(), new InetSocketAddress("127.0.0.1", 1), null);
        send(success);
        try {
            udp.setSoTimeout(300);
            udp.receive(new DatagramPacket(new byte[1500], 1500));
            throw new AssertionError("the server answered a STUN response");
        } catch (SocketTimeoutException expected) {
            // silence is the right answer
        }
    }
}
