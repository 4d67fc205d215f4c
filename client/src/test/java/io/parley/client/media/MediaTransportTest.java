package io.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.parley.protocol.media.NtpTime;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.SdpNegotiator;
import io.parley.protocol.media.SessionDescription;
import io.parley.protocol.media.StunMessage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's transports against {@link FakeMediaServer} over real UDP on 127.0.0.1. */
class MediaTransportTest {
    /** Generous: the machine is shared with other builds. */
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final MediaConfig CONFIG = MediaConfig.DEFAULTS
            .withBindAddress(new InetSocketAddress("127.0.0.1", 0))
            .withRtcpInterval(Duration.ofMillis(200));

    private FakeMediaServer server;
    private final Queue<AutoCloseable> toClose = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void startServer() {
        server = FakeMediaServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        for (AutoCloseable c : toClose) {
            if (c instanceof Publisher p) {
                p.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } else if (c instanceof Player p) {
                p.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
        server.close();
    }

    private Publisher publisher(MediaConfig config) throws Exception {
        Publisher p = Publisher.create("alice-mic", config).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        toClose.add(p);
        return p;
    }

    private Publisher connectedPublisher() throws Exception {
        Publisher p = publisher(CONFIG);
        p.connect(server.answer(p.offer(), SdpNegotiator.Purpose.PUBLISH)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(server::srtpReady);
        return p;
    }

    @Test
    void iceChecksCarryWhatAnIceLiteServerNeeds() throws Exception {
        Publisher p = connectedPublisher();
        assertThat(p.isConnected()).isTrue();
        StunMessage check = server.checks.peek();
        SessionDescription offer = SessionDescription.parse(p.offer());
        assertThat(check.username()).isEqualTo(FakeMediaServer.UFRAG + ":" + offer.media().get(0).iceUfrag());
        assertThat(check.checkIntegrity(StunMessage.shortTermKey(FakeMediaServer.PWD))).isTrue();
        assertThat(check.hasFingerprint()).isTrue();
        assertThat(check.iceControlling()).isPresent();
        assertThat(check.priority().getAsLong()).isEqualTo(IceAgent.PRFLX_PRIORITY);
        assertThat(check.useCandidate()).isTrue();
        // the offer is what PROTOCOL.md asks for
        assertThat(p.offer()).contains("a=sendonly", "a=setup:actpass", "a=rtcp-mux", "a=fingerprint:sha-256 ",
                "opus/48000/2", "urn:ietf:params:rtp-hdrext:ssrc-audio-level", "a=ssrc:" + p.ssrc() + " cname:");
    }

    @Test
    void publishedFramesArriveDecryptedWithSequenceTimestampAndAudioLevel() throws Exception {
        Publisher p = connectedPublisher();
        p.setAudioLevel(42, true);
        byte[][] frames = {{1, 2, 3}, {4, 5, 6, 7}, {8}};
        for (byte[] f : frames) {
            assertThat(p.sendFrame(f)).isTrue();
        }
        await().atMost(WAIT).until(() -> server.rtp.size() == 3);
        List<FakeMediaServer.Rtp> got = List.copyOf(server.rtp);
        for (int i = 0; i < 3; i++) {
            FakeMediaServer.Rtp r = got.get(i);
            assertThat(r.payload()).isEqualTo(frames[i]);
            assertThat(r.ssrc()).isEqualTo(p.ssrc());
            assertThat(r.payloadType()).isEqualTo(server.accepted().payloadType());
            assertThat(r.audioLevel()).isEqualTo(42);
            assertThat(r.seq()).isEqualTo((got.get(0).seq() + i) & 0xFFFF);
            assertThat(r.timestamp()).isEqualTo((got.get(0).timestamp() + 960L * i) & 0xFFFFFFFFL);
            assertThat(r.marker()).isEqualTo(i == 0);
        }
        assertThat(p.stats().packetsSent()).isEqualTo(3);
        assertThat(p.stats().bytesSent()).isEqualTo(8);
        assertThat(server.srtpFailures.get()).isZero();
    }

    @Test
    void publisherSendsSenderReportsAndAnswersNacksFromItsCache() throws Exception {
        Publisher p = connectedPublisher();
        server.dropRtp.set(1); // the first packet is "lost" on the way
        p.sendFrame(new byte[] {10});
        p.sendFrame(new byte[] {11});
        await().atMost(WAIT).until(() -> server.rtp.size() == 1);
        int lost = (server.rtp.peek().seq() - 1) & 0xFFFF;

        server.sendRtcp(List.of(RtcpPacket.Nack.of(FakeMediaServer.SSRC, p.ssrc(), lost)));
        await().atMost(WAIT).until(() -> server.rtp.size() == 2);
        FakeMediaServer.Rtp resent = List.copyOf(server.rtp).get(1);
        assertThat(resent.seq()).isEqualTo(lost);
        assertThat(resent.payload()).containsExactly(10);
        assertThat(p.stats().nacksReceived()).isEqualTo(1);
        assertThat(p.stats().packetsRetransmitted()).isEqualTo(1);

        await().atMost(WAIT).until(() -> server.rtcp.stream().anyMatch(r -> r instanceof RtcpPacket.SenderReport));
        RtcpPacket.SenderReport sr = server.rtcp.stream().filter(r -> r instanceof RtcpPacket.SenderReport)
                .map(RtcpPacket.SenderReport.class::cast).findFirst().orElseThrow();
        assertThat(sr.ssrc()).isEqualTo(p.ssrc());
        assertThat(sr.packetCount()).isEqualTo(2);
        assertThat(sr.octetCount()).isEqualTo(2);
        assertThat(NtpTime.toUnixMillis(sr.ntpTime())).isCloseTo(System.currentTimeMillis(), within(5_000L));
        assertThat(server.rtcp).anySatisfy(r -> assertThat(r).isInstanceOfSatisfying(RtcpPacket.SourceDescription.class,
                sdes -> assertThat(sdes.chunks().get(0).cname()).isEqualTo(p.transport().cname())));

        // A receiver report about us gives the publisher its loss and round-trip time.
        long lsr = NtpTime.compact(sr.ntpTime());
        server.sendRtcp(List.of(new RtcpPacket.ReceiverReport(FakeMediaServer.SSRC,
                List.of(new RtcpPacket.ReportBlock(p.ssrc(), 64, 1, 2, 0, lsr, 0)))));
        await().atMost(WAIT).until(() -> p.stats().receiverReports() == 1);
        assertThat(p.stats().fractionLost()).isEqualTo(64);
        assertThat(p.stats().rtt()).isGreaterThanOrEqualTo(0);

        server.sendRtcp(List.of(new RtcpPacket.Pli(FakeMediaServer.SSRC, p.ssrc())));
        await().atMost(WAIT).until(() -> p.stats().keyFrameRequests() == 1);
    }

    @Test
    void playerDeliversPacketsOnItsEventLoopAndReportsReception() throws Exception {
        Queue<ReceivedPacket> got = new ConcurrentLinkedQueue<>();
        Queue<String> threads = new ConcurrentLinkedQueue<>();
        Player player = Player.create("alice-mic", CONFIG, pkt -> {
            got.add(pkt);
            threads.add(Thread.currentThread().getName());
        }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        toClose.add(player);
        assertThat(player.offer()).contains("a=recvonly");
        String answer = server.answer(player.offer(), SdpNegotiator.Purpose.PLAY);
        player.connect(answer).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(server::srtpReady);
        assertThat(player.mediaSsrc()).isEqualTo(FakeMediaServer.SSRC);

        long ntp = NtpTime.fromUnixMillis(System.currentTimeMillis());
        server.sendRtcp(List.of(new RtcpPacket.SenderReport(FakeMediaServer.SSRC, ntp, 5000, 3, 30, List.of())));
        server.sendRtp(65534, 5000, new byte[] {1, 1}, 17);
        server.sendRtp(65535, 5960, new byte[] {2, 2}, 18);
        server.sendRtp(1, 7880, new byte[] {3, 3}, 19); // 0 is lost, and the sequence wraps
        await().atMost(WAIT).until(() -> got.size() == 3);

        ReceivedPacket first = got.peek();
        assertThat(first.sequenceNumber()).isEqualTo(65534);
        assertThat(first.timestamp()).isEqualTo(5000);
        assertThat(first.ssrc()).isEqualTo(FakeMediaServer.SSRC);
        assertThat(first.payload()).containsExactly(1, 1);
        assertThat(first.audioLevel()).isEqualTo(17);
        assertThat(first.voiceActivity()).isTrue();
        assertThat(got).extracting(ReceivedPacket::sequenceNumber).containsExactly(65534, 65535, 1);
        assertThat(threads).allMatch(t -> t.startsWith("parley-client"));

        Player.Stats stats = player.stats();
        assertThat(stats.packetsReceived()).isEqualTo(3);
        assertThat(stats.packetsLost()).isEqualTo(1);
        assertThat(stats.highestSequence()).isEqualTo(65536 + 1);
        assertThat(stats.bytesReceived()).isEqualTo(6);

        // A receiver report names the server's SSRC, the wrap, the loss, and echoes the SR for the RTT.
        await().atMost(WAIT).until(() -> reportAbout(FakeMediaServer.SSRC) != null
                && reportAbout(FakeMediaServer.SSRC).highestSequence() == 65537);
        RtcpPacket.ReceiverReport rr = server.rtcp.stream().filter(r -> r instanceof RtcpPacket.ReceiverReport)
                .map(RtcpPacket.ReceiverReport.class::cast).filter(r -> !r.reports().isEmpty())
                .reduce((a, b) -> b).orElseThrow();
        assertThat(rr.ssrc()).isEqualTo(player.transport().localSsrc());
        RtcpPacket.ReportBlock block = reportAbout(FakeMediaServer.SSRC);
        assertThat(block.cumulativeLost()).isEqualTo(1);
        assertThat(block.lastSr()).isEqualTo(NtpTime.compact(ntp));
        assertThat(block.delaySinceLastSr()).isGreaterThan(0);
        assertThat(player.stats().senderReports()).isEqualTo(1);
    }

    private RtcpPacket.ReportBlock reportAbout(long ssrc) {
        return server.rtcp.stream().filter(r -> r instanceof RtcpPacket.ReceiverReport)
                .flatMap(r -> ((RtcpPacket.ReceiverReport) r).reports().stream())
                .filter(b -> b.ssrc() == ssrc).reduce((a, b) -> b).orElse(null);
    }

    @Test
    void playerSendsWellFormedNackAndPli() throws Exception {
        Player player = Player.create("alice-mic", CONFIG, pkt -> { }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        toClose.add(player);
        player.connect(server.answer(player.offer(), SdpNegotiator.Purpose.PLAY)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(server::srtpReady);

        assertThat(player.sendNack(100, 102, 140)).isTrue();
        assertThat(player.sendPli()).isTrue();
        await().atMost(WAIT).until(() -> server.rtcp.stream().anyMatch(r -> r instanceof RtcpPacket.Pli));
        RtcpPacket.Nack nack = server.rtcp.stream().filter(r -> r instanceof RtcpPacket.Nack)
                .map(RtcpPacket.Nack.class::cast).findFirst().orElseThrow();
        assertThat(nack.senderSsrc()).isEqualTo(player.transport().localSsrc());
        assertThat(nack.mediaSsrc()).isEqualTo(FakeMediaServer.SSRC);
        assertThat(nack.lostSequenceNumbers()).containsExactly(100, 102, 140);
        RtcpPacket.Pli pli = server.rtcp.stream().filter(r -> r instanceof RtcpPacket.Pli)
                .map(RtcpPacket.Pli.class::cast).findFirst().orElseThrow();
        assertThat(pli.mediaSsrc()).isEqualTo(FakeMediaServer.SSRC);
        assertThat(pli.senderSsrc()).isEqualTo(player.transport().localSsrc());
    }

    @Test
    void clientAnswersTheServersOwnChecks() throws Exception {
        Publisher p = connectedPublisher();
        SessionDescription offer = SessionDescription.parse(p.offer());
        String ufrag = offer.media().get(0).iceUfrag();
        String pwd = offer.media().get(0).icePwd();
        server.sendCheck(ufrag, pwd);
        await().atMost(WAIT).until(() -> !server.responses.isEmpty());
        StunMessage response = server.responses.peek();
        assertThat(response.isBindingSuccess()).isTrue();
        assertThat(response.checkIntegrity(StunMessage.shortTermKey(pwd))).isTrue();
        assertThat(response.xorMappedAddress().getPort()).isEqualTo(server.port());

        server.sendCheck(ufrag, "wrongpasswordwrongpassword");
        await().atMost(WAIT).until(() -> server.responses.size() == 2);
        assertThat(List.copyOf(server.responses).get(1).errorCode()).isEqualTo(401);
    }

    @Test
    void noIceAnswerFailsTheConnectWithinTheTimeout() throws Exception {
        server.answerChecks = false;
        Publisher p = publisher(CONFIG.withTimeouts(Duration.ofMillis(600), Duration.ofSeconds(5)));
        long start = System.nanoTime();
        var connect = p.connect(server.answer(p.offer(), SdpNegotiator.Purpose.PUBLISH));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> connect.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
        assertThat(e.getCause()).isInstanceOf(MediaException.class)
                .hasMessageContaining("ICE failed: no STUN Binding success from 127.0.0.1")
                .hasMessageContaining("within 600 ms").hasMessageContaining("no response at all");
        assertThat(server.checks.size()).isGreaterThan(3);
        assertThat(p.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).contains("ICE failed");
        assertThat(p.transport().state()).isEqualTo(MediaTransport.State.CLOSED);
    }

    @Test
    void wrongFingerprintInTheAnswerFailsTheDtlsHandshake() throws Exception {
        server.advertiseWrongFingerprint = true;
        Publisher p = publisher(CONFIG.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)));
        var connect = p.connect(server.answer(p.offer(), SdpNegotiator.Purpose.PUBLISH));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> connect.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(MediaException.class).hasMessageContaining("DTLS")
                .hasMessageContaining("fingerprint mismatch");
        assertThat(p.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).contains("fingerprint");
        assertThat(p.sendFrame(new byte[] {1})).isFalse();
    }

    @Test
    void anAnswerWithoutCandidateIsRefusedClearly() throws Exception {
        Publisher p = publisher(CONFIG);
        String answer = server.answer(p.offer(), SdpNegotiator.Purpose.PUBLISH).replaceAll("a=candidate:[^\r]*\r\n", "");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> p.connect(answer).get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(e.getCause()).hasMessageContaining("cannot use the server's answer")
                .hasMessageContaining("typ host");
    }

    @Test
    void lostConsentClosesTheTransport() throws Exception {
        Publisher p = publisher(CONFIG.withConsent(Duration.ofMillis(100), Duration.ofMillis(600)));
        p.connect(server.answer(p.offer(), SdpNegotiator.Purpose.PUBLISH)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        int before = server.checks.size();
        await().atMost(WAIT).until(() -> server.checks.size() > before + 2); // consent checks keep coming
        server.answerChecks = false;
        assertThat(p.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).contains("ICE consent lost");
        assertThat(p.isConnected()).isFalse();
    }
}
