package io.parley.server.sfu;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.MediaConfig;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real media through the SFU: the Java client publishes Opus-sized RTP over ICE, DTLS and SRTP; Java players receive it.
 * Runs with two media loops (each client socket reaches one of two {@code SO_REUSEPORT} sockets, so packets are handed
 * between loops); {@link MediaEndToEndOneLoopTest} runs the same tests on one.
 */
class MediaEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();

    /** {@code media.loops} for this run. */
    int loops() {
        return 2;
    }

    @BeforeEach
    void start() throws Exception {
        ParleyConfig c = TestServer.config();
        server = TestServer.start(c.withMedia(c.media().withLoops(loops())));
        int expected = io.netty.channel.epoll.Epoll.isAvailable() ? loops() : 1;
        assertThat(server.server().media().loopCount()).isEqualTo(expected);
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private ParleyEngine login(String userId) throws Exception {
        ParleyEngine e = server.engine();
        engines.add(e);
        assertThat(e.loginRoom("media", token(userId), user(userId), withUserUpdates()).get().code()).isZero();
        return e;
    }

    /** A 120-byte payload carrying its index, so order and integrity can be checked on arrival. */
    private static byte[] frame(int i) {
        ByteBuffer b = ByteBuffer.allocate(120);
        b.putInt(i);
        for (int k = 4; k < 120; k++) {
            b.put((byte) (i * 31 + k));
        }
        return b.array();
    }

    private static int index(byte[] payload) {
        return ByteBuffer.wrap(payload).getInt();
    }

    /**
     * Waits until the server's side of {@code n} transports finished DTLS: it can trail the client's side by a
     * moment, and media sent before is not forwarded to that player.
     */
    private void awaitConnected(int n) {
        await().atMost(WAIT).until(() -> server.server().media().connectedTransportCount().join() == n);
    }

    @Test
    void twoPlayersReceiveEveryPacketInOrderWithPayloadsIntact() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        ParleyEngine carol = login("carol");
        Pushes pa = Pushes.on(alice);
        Pushes pb = Pushes.on(bob);
        Publisher pub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        pa.await(Messages.PUBLISHER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PUBLISH_REQUESTING"));
        List<ReceivedPacket> atBob = new CopyOnWriteArrayList<>();
        List<ReceivedPacket> atCarol = new CopyOnWriteArrayList<>();
        Player bobPlayer = bob.startPlaying("alice-mic", atBob::add).get(20, TimeUnit.SECONDS);
        Player carolPlayer = carol.startPlaying("alice-mic", atCarol::add).get(20, TimeUnit.SECONDS);
        assertThat(bobPlayer.isConnected()).isTrue();
        assertThat(carolPlayer.isConnected()).isTrue();
        awaitConnected(3);
        int n = 200;
        for (int i = 0; i < n; i++) {
            assertThat(pub.sendFrame(frame(i))).isTrue();
        }
        await().atMost(WAIT).until(() -> atBob.size() >= n && atCarol.size() >= n);
        for (List<ReceivedPacket> got : List.of(atBob, atCarol)) {
            assertThat(got).hasSize(n);
            for (int i = 0; i < n; i++) {
                ReceivedPacket p = got.get(i);
                assertThat(index(p.payload())).as("packet %d in order", i).isEqualTo(i);
                assertThat(p.payload()).isEqualTo(frame(i));
                if (i > 0) {
                    assertThat(p.sequenceNumber()).isEqualTo((got.get(i - 1).sequenceNumber() + 1) & 0xFFFF);
                }
            }
        }
        // Each player sees the SSRC of its own answer, not the publisher's.
        assertThat(atBob.get(0).ssrc()).isEqualTo(bobPlayer.mediaSsrc()).isNotEqualTo(pub.ssrc());
        assertThat(atCarol.get(0).ssrc()).isEqualTo(carolPlayer.mediaSsrc());
        pa.await(Messages.PUBLISHER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PUBLISHING"));
        pb.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("state").asText().equals("PLAYING"));
        assertThat(server.server().media().counters().rtpPacketsIn()).isGreaterThanOrEqualTo(n);
        assertThat(server.server().media().counters().rtpPacketsOut()).isGreaterThanOrEqualTo(2L * n);
        // Operators see the same numbers in /metrics.
        io.parley.server.metrics.Scrape scrape = io.parley.server.metrics.Scrape.of(server.server().port());
        assertThat(scrape.value("parley_media_packets_total{direction=\"in\",kind=\"rtp\"}")).isGreaterThanOrEqualTo(n);
        assertThat(scrape.value("parley_media_packets_total{direction=\"out\",kind=\"rtp\"}")).isGreaterThanOrEqualTo(2.0 * n);
        assertThat(scrape.value("parley_media_forward_latency_seconds_count")).isGreaterThanOrEqualTo(n);
        assertThat(scrape.value("parley_media_transports")).isEqualTo(3);
    }

    @Test
    void bothSrtpProfilesWorkAndMixInOneStream() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        // The publisher offers only AES_CM_128_HMAC_SHA1_80; the player only AEAD_AES_128_GCM.
        alice.setMediaConfig(MediaConfig.DEFAULTS.withDtls(MediaConfig.DEFAULTS.dtls()
                .withSrtpProfiles(io.parley.media.srtp.SrtpProfile.AES_CM_128_HMAC_SHA1_80)));
        bob.setMediaConfig(MediaConfig.DEFAULTS.withDtls(MediaConfig.DEFAULTS.dtls()
                .withSrtpProfiles(io.parley.media.srtp.SrtpProfile.AEAD_AES_128_GCM)));
        Publisher pub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
        Player player = bob.startPlaying("alice-mic", got::add).get(20, TimeUnit.SECONDS);
        assertThat(pub.transport().srtpProfile()).isEqualTo(io.parley.media.srtp.SrtpProfile.AES_CM_128_HMAC_SHA1_80);
        assertThat(player.transport().srtpProfile()).isEqualTo(io.parley.media.srtp.SrtpProfile.AEAD_AES_128_GCM);
        awaitConnected(2);
        for (int i = 0; i < 30; i++) {
            pub.sendFrame(frame(i));
        }
        await().atMost(WAIT).until(() -> got.size() >= 30);
        assertThat(got.stream().map(p -> index(p.payload())).toList()).isEqualTo(java.util.stream.IntStream.range(0, 30).boxed().toList());
    }

    @Test
    void aLostPacketIsNackedAndRetransmitted() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        Publisher pub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        InetSocketAddress media = new InetSocketAddress("127.0.0.1", server.server().media().port());
        try (LossyRelay relay = new LossyRelay(media)) {
            // Bob plays through the relay: the answer's candidate is rewritten to point at it.
            List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
            Player player = Player.create("alice-mic", MediaConfig.DEFAULTS, got::add).get(20, TimeUnit.SECONDS);
            Result r = bob.request(Messages.START_PLAYING, new Messages.StartPlaying("alice-mic", player.offer())).get();
            assertThat(r.code()).as(r.message()).isZero();
            String answer = r.data().path("sdp").asText()
                    .replace("127.0.0.1 " + media.getPort() + " typ host", "127.0.0.1 " + relay.port() + " typ host");
            player.connect(answer).get(20, TimeUnit.SECONDS);
            awaitConnected(2);
            relay.lose(5);
            for (int i = 0; i < 20; i++) {
                pub.sendFrame(frame(i));
            }
            await().atMost(WAIT).until(() -> got.size() >= 19);
            assertThat(relay.lost()).isEqualTo(1);
            List<ReceivedPacket> c = got;
            assertThat(c.stream().map(p -> index(p.payload())).toList()).doesNotContain(5);
            int missingSeq = (c.get(4).sequenceNumber() + 1) & 0xFFFF;
            assertThat(player.sendNack(missingSeq)).isTrue();
            await().atMost(WAIT).until(() -> got.size() >= 20);
            ReceivedPacket again = got.get(19);
            assertThat(again.sequenceNumber()).isEqualTo(missingSeq);
            assertThat(again.payload()).isEqualTo(frame(5));
            assertThat(server.server().media().counters().retransmissions()).isEqualTo(1);
            player.close();
        }
    }

    /** Plays {@code streamId} on {@code engine} through {@code relay} (the answer's candidate is rewritten to it). */
    private Player playVia(ParleyEngine engine, String streamId, LossyRelay relay, List<ReceivedPacket> sink) throws Exception {
        InetSocketAddress media = new InetSocketAddress("127.0.0.1", server.server().media().port());
        Player player = Player.create(streamId, MediaConfig.DEFAULTS, sink::add).get(20, TimeUnit.SECONDS);
        Result r = engine.request(Messages.START_PLAYING, new Messages.StartPlaying(streamId, player.offer())).get();
        assertThat(r.code()).as(r.message()).isZero();
        String answer = r.data().path("sdp").asText()
                .replace("127.0.0.1 " + media.getPort() + " typ host", "127.0.0.1 " + relay.port() + " typ host");
        return player.connect(answer).get(20, TimeUnit.SECONDS);
    }

    @Test
    void forgedAndForeignPacketsFromAPublisherAreDroppedAndTheStreamGoesOn() throws Exception {
        ParleyEngine bob = login("bob");
        ParleyEngine alice = login("alice");
        List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
        InetSocketAddress media = new InetSocketAddress("127.0.0.1", server.server().media().port());
        try (LossyRelay relay = new LossyRelay(media)) {
            Publisher pub = Publisher.create("alice-mic", MediaConfig.DEFAULTS).get(20, TimeUnit.SECONDS);
            Result r = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("alice-mic", "", pub.offer())).get();
            assertThat(r.code()).as(r.message()).isZero();
            pub.connect(r.data().path("sdp").asText().replace("127.0.0.1 " + media.getPort() + " typ host",
                    "127.0.0.1 " + relay.port() + " typ host")).get(20, TimeUnit.SECONDS);
            bob.startPlaying("alice-mic", got::add).get(20, TimeUnit.SECONDS);
            awaitConnected(2);
            relay.mangle(3, true);
            relay.mangle(7, false);
            for (int i = 0; i < 12; i++) {
                pub.sendFrame(frame(i));
            }
            await().atMost(WAIT).until(() -> got.size() >= 10);
            assertThat(got.stream().map(p -> index(p.payload())).toList())
                    .containsExactly(0, 1, 2, 4, 5, 6, 8, 9, 10, 11);
            MediaCounters c = server.server().media().counters();
            assertThat(c.dropped(DropReason.UNKNOWN_SSRC)).isEqualTo(1);
            assertThat(c.dropped(DropReason.SRTP_AUTH_FAILED)).isEqualTo(1);
            pub.close();
        }
    }

    @Test
    void aPlayerThatStopsAnsweringIsClosedAndTold() throws Exception {
        try (TestServer quick = TestServer.start(TestServer.config().withMedia(
                new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", Duration.ofSeconds(2)).withLoops(loops())))) {
            server.close();
            server = quick;
            ParleyEngine alice = login("alice");
            ParleyEngine bob = login("bob");
            Pushes pb = Pushes.on(bob);
            // The publisher sends no audio here, so only its consent checks keep it alive: they must come more
            // often than the server's 2 s timeout (the default 2.5 s ± 20 % made the publisher time out too, by luck).
            alice.setMediaConfig(MediaConfig.DEFAULTS.withConsent(Duration.ofMillis(500), Duration.ofSeconds(10)));
            alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
            InetSocketAddress media = new InetSocketAddress("127.0.0.1", quick.server().media().port());
            try (LossyRelay relay = new LossyRelay(media)) {
                playVia(bob, "alice-mic", relay, new CopyOnWriteArrayList<>());
                assertThat(quick.server().media().transportCount()).isEqualTo(2);
                relay.blackhole();
                Pushes.Push gone = pb.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("state").asText().equals("NO_PLAY"));
                assertThat(gone.data().path("errorCode").asInt()).as(gone.data().toString()).isEqualTo(ErrorCode.PLAY_MEDIA_FAILED);
                assertThat(gone.data().path("extendedData").asText()).contains("stopped answering");
                await().atMost(WAIT).until(() -> quick.server().media().transportCount() == 1);
            }
        }
    }

    @Test
    void reportsFlowBothWaysAndKeyframeRequestsAreRateLimited() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        Publisher pub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        Player player = bob.startPlaying("alice-mic", p -> { }).get(20, TimeUnit.SECONDS);
        var feeder = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        int[] i = {0};
        feeder.scheduleAtFixedRate(() -> pub.sendFrame(frame(i[0]++)), 0, 20, TimeUnit.MILLISECONDS);
        try {
            // The server's receiver reports reach the publisher; its sender reports reach the player.
            await().atMost(WAIT).until(() -> pub.stats().receiverReports() >= 2 && player.stats().senderReports() >= 2);
            // Three PLIs at once pass upstream as one; one more after the 1 s limit passes too. Timed from before the
            // first PLI was sent: the server forwarded it after that, so the second cannot arrive sooner than 1 s
            // later however late this thread notices (timing from the noticing undershot on a busy machine: 0.82 s).
            long firstAt = System.nanoTime();
            player.sendPli();
            player.sendPli();
            player.sendPli();
            await().atMost(WAIT).until(() -> pub.stats().keyFrameRequests() == 1);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                player.sendPli();
                return pub.stats().keyFrameRequests() == 2;
            });
            assertThat(Duration.ofNanos(System.nanoTime() - firstAt)).isGreaterThanOrEqualTo(Duration.ofMillis(990));
        } finally {
            feeder.shutdownNow();
        }
    }

    @Test
    void qualityUpdatesReachPublisherAndPlayer() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        Pushes pa = Pushes.on(alice);
        Pushes pb = Pushes.on(bob);
        Publisher pub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        bob.startPlaying("alice-mic", p -> { }).get(20, TimeUnit.SECONDS);
        // 50 packets a second until both quality pushes came (one per 3 s period).
        var feeder = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        int[] i = {0};
        feeder.scheduleAtFixedRate(() -> pub.sendFrame(frame(i[0]++)), 0, 20, TimeUnit.MILLISECONDS);
        try {
            Pushes.Push pq = pa.await(Messages.PUBLISH_QUALITY_UPDATE, p -> p.data().path("stats").path("packets").asLong() > 0);
            assertThat(pq.data().path("streamID").asText()).isEqualTo("alice-mic");
            // 50 packets a second of 120 bytes of payload plus RTP header (12) and extensions: 50-70 kbps, over a
            // period of 1 to 4 s (the first runs from the first packet to the publisher's turn), none lost on loopback.
            assertThat(pq.data().path("stats").path("audioBitrate").asDouble()).isBetween(50.0, 70.0);
            assertThat(pq.data().path("stats").path("packets").asLong()).isBetween(40L, 220L);
            assertThat(pq.data().path("stats").path("packetsLost").asLong()).isZero();
            assertThat(pq.data().path("stats").path("packetsLostRate").asDouble()).isZero();
            Pushes.Push q = pb.await(Messages.PLAY_QUALITY_UPDATE, p -> p.data().path("stats").path("packets").asLong() > 0);
            assertThat(q.data().path("stats").path("audioBitrate").asDouble()).isBetween(50.0, 70.0);
            assertThat(q.data().path("stats").path("packets").asLong()).isBetween(40L, 220L);
            // RTT comes from the player's receiver reports against our sender reports.
            pb.await(Messages.PLAY_QUALITY_UPDATE, p -> p.data().path("stats").path("rtt").asDouble() >= 0);
        } finally {
            feeder.shutdownNow();
        }
    }

    @Test
    void whenThePublisherStopsItsPlayersGetNoPlayAndEverythingIsFreed() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        Pushes pb = Pushes.on(bob);
        Publisher pub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        Player player = bob.startPlaying("alice-mic", p -> { }).get(20, TimeUnit.SECONDS);
        assertThat(server.server().media().transportCount()).isEqualTo(2);
        awaitConnected(2);
        for (int i = 0; i < 3; i++) {
            pub.sendFrame(frame(i));
        }
        await().atMost(WAIT).until(() -> player.stats().packetsReceived() == 3);
        assertThat(alice.stopPublishing("alice-mic").get().code()).isZero();
        // A stack that ignores our signalling learns it from RTCP: a BYE for the SSRC of its answer.
        assertThat(player.bye()).succeedsWithin(WAIT).isEqualTo(Consumer.BYE_REASON);
        Pushes.Push noPlay = pb.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("state").asText().equals("NO_PLAY"));
        assertThat(noPlay.data().path("errorCode").asInt()).isZero();
        assertThat(noPlay.data().path("extendedData").asText()).contains("publisher_stopped");
        await().atMost(WAIT).until(() -> server.server().media().transportCount() == 0);
        // Stopping a player whose stream ended is harmless; stopping it twice is not playing it.
        assertThat(bob.stopPlaying("alice-mic").get().code()).isZero();
        assertThat(bob.stopPlaying("alice-mic").get().code()).isEqualTo(ErrorCode.PLAY_STREAM_NOT_FOUND);
    }

    @Test
    void aDroppedPublisherAndAClosedPlayerAreCleanedUp() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        ParleyEngine carol = login("carol");
        Pushes pc = Pushes.on(carol);
        alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        bob.startPlaying("alice-mic", p -> { }).get(20, TimeUnit.SECONDS);
        carol.startPlaying("alice-mic", p -> { }).get(20, TimeUnit.SECONDS);
        assertThat(server.server().media().transportCount()).isEqualTo(3);
        bob.close(); // bob leaves: his player's transport goes
        await().atMost(WAIT).until(() -> server.server().media().transportCount() == 2);
        // Alice logs in elsewhere: kicked, her stream deleted with reason 3, carol told NO_PLAY.
        ParleyEngine alice2 = login("alice");
        pc.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("state").asText().equals("NO_PLAY"));
        await().atMost(WAIT).until(() -> server.server().media().transportCount() == 0);
        assertThat(alice2.roomState()).isEqualTo("LOGINED");
    }

    @Test
    void playingTwiceIsRefusedAndStopPlayingFreesTheTransport() throws Exception {
        ParleyEngine alice = login("alice");
        ParleyEngine bob = login("bob");
        alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
        bob.startPlaying("alice-mic", p -> { }).get(20, TimeUnit.SECONDS);
        var again = bob.startPlaying("alice-mic", p -> { });
        assertThat(again).failsWithin(WAIT).withThrowableThat().withMessageContaining(String.valueOf(ErrorCode.ALREADY_PLAYING));
        assertThat(bob.stopPlaying("alice-mic").get().code()).isZero();
        await().atMost(WAIT).until(() -> server.server().media().transportCount() == 1);
        assertThat(bob.startPlaying("alice-mic", p -> { }).get(20, TimeUnit.SECONDS).isConnected()).isTrue();
    }
}
