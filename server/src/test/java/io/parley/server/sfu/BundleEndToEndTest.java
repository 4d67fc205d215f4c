package io.parley.server.sfu;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.media.dtls.DtlsCertificate;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.auth.JwtTokens;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.rtmp.ToneDetector;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One transport per room session (BUNDLE): the Java client publishes and plays several streams over one ICE/DTLS
 * transport, adds and removes them by renegotiation, and every tone arrives at its own frequency.
 */
class BundleEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();
    private final List<Runnable> closing = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        closing.forEach(Runnable::run);
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private ParleyEngine login(String userId, boolean bundle) throws Exception {
        ParleyEngine e = server.engine();
        e.setMediaBundle(bundle);
        engines.add(e);
        assertThat(e.loginRoom("bundle", token(userId), user(userId), withUserUpdates()).get().code()).isZero();
        return e;
    }

    /** Sends a sine tone of {@code hz} as 20 ms Opus frames until the test ends. */
    private void tone(Publisher p, int hz) {
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        closing.add(clock::shutdownNow);
        OpusEncoder enc;
        try {
            enc = new OpusEncoder(48000, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        long[] n = {0};
        clock.scheduleAtFixedRate(() -> {
            short[] pcm = new short[960];
            for (int k = 0; k < 960; k++) {
                pcm[k] = (short) (8000 * Math.sin(2 * Math.PI * hz * (n[0] * 960 + k) / 48000.0));
            }
            byte[] out = new byte[1275];
            try {
                int len = enc.encode(pcm, 0, 960, out, 0, out.length);
                p.sendAudio(Arrays.copyOf(out, len), n[0] * 960);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            n[0]++;
        }, 0, 20, TimeUnit.MILLISECONDS);
    }

    /** The fraction of 50 ms windows of the decoded packets in which {@code hz} dominates. */
    private static double toneFraction(List<ReceivedPacket> packets, int hz) throws Exception {
        OpusDecoder dec = new OpusDecoder(48000, 1);
        short[] frame = new short[5760];
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        for (ReceivedPacket p : List.copyOf(packets)) {
            int n = dec.decode(p.payload(), 0, p.payload().length, frame, 0, 5760, false);
            for (int k = 0; k < n; k += 3) { // 48 kHz -> 16 kHz
                pcm.write(frame[k] & 0xFF);
                pcm.write((frame[k] >> 8) & 0xFF);
            }
        }
        return ToneDetector.toneFraction(ToneDetector.s16le(pcm.toByteArray()), hz, 16000, 800, 20);
    }

    private int serverTransports() {
        return server.server().media().transportCount();
    }

    @Test
    void oneTransportPerSessionCarriesSeveralPublishedAndPlayedStreamsEachWithItsTone() throws Exception {
        ParleyEngine alice = login("alice", true);
        ParleyEngine bob = login("bob", true);
        Publisher a1 = alice.startPublishingMedia("alice-low", "").get(30, TimeUnit.SECONDS);
        Publisher a2 = alice.startPublishingMedia("alice-high", "").get(30, TimeUnit.SECONDS);
        Publisher b1 = bob.startPublishingMedia("bob-mid", "").get(30, TimeUnit.SECONDS);
        assertThat(a1.transport()).as("alice's streams share one transport").isSameAs(a2.transport());
        assertThat(a1.ssrc()).isNotEqualTo(a2.ssrc());
        tone(a1, 440);
        tone(a2, 1000);
        tone(b1, 700);
        List<ReceivedPacket> low = new CopyOnWriteArrayList<>();
        List<ReceivedPacket> high = new CopyOnWriteArrayList<>();
        List<ReceivedPacket> mid = new CopyOnWriteArrayList<>();
        Player pLow = bob.startPlaying("alice-low", low::add).get(30, TimeUnit.SECONDS);
        Player pHigh = bob.startPlaying("alice-high", high::add).get(30, TimeUnit.SECONDS);
        Player pMid = alice.startPlaying("bob-mid", mid::add).get(30, TimeUnit.SECONDS);
        assertThat(pLow.transport()).isSameAs(pHigh.transport()).isSameAs(b1.transport());
        assertThat(pMid.transport()).isSameAs(a1.transport());
        // Two sessions, two transports (and two DTLS handshakes) for six streams.
        assertThat(serverTransports()).isEqualTo(2);
        await().atMost(WAIT).until(() -> low.size() >= 100 && high.size() >= 100 && mid.size() >= 100);
        assertThat(toneFraction(low, 440)).as("440 Hz on alice-low").isGreaterThan(0.7);
        assertThat(toneFraction(high, 1000)).as("1 kHz on alice-high").isGreaterThan(0.7);
        assertThat(toneFraction(mid, 700)).as("700 Hz on bob-mid").isGreaterThan(0.7);
        // Each player sees its own answer's SSRC; RTCP reaches the right stream in both directions.
        assertThat(low.get(0).ssrc()).isEqualTo(pLow.mediaSsrc()).isNotEqualTo(high.get(0).ssrc());
        await().atMost(WAIT).until(() -> a1.stats().receiverReports() >= 1 && a2.stats().receiverReports() >= 1
                && pLow.stats().senderReports() >= 1 && pHigh.stats().senderReports() >= 1);
        assertThat(server.server().media().counters().dropped(DropReason.UNKNOWN_SSRC)).isZero();
        assertThat(alice.logoutRoom().get().code()).isZero();
        await().atMost(WAIT).until(() -> serverTransports() == 1);
    }

    @Test
    void streamsAreAddedAndRemovedByRenegotiationOnTheSameTransport() throws Exception {
        ParleyEngine alice = login("alice", true);
        ParleyEngine bob = login("bob", true);
        Pushes pb = Pushes.on(bob);
        Publisher a1 = alice.startPublishingMedia("alice-low", "").get(30, TimeUnit.SECONDS);
        Publisher a2 = alice.startPublishingMedia("alice-high", "").get(30, TimeUnit.SECONDS);
        tone(a1, 440);
        tone(a2, 1000);
        List<ReceivedPacket> low = new CopyOnWriteArrayList<>();
        List<ReceivedPacket> high = new CopyOnWriteArrayList<>();
        bob.startPlaying("alice-low", low::add).get(30, TimeUnit.SECONDS);
        Player pHigh = bob.startPlaying("alice-high", high::add).get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> low.size() >= 20 && high.size() >= 20);
        // Bob stops playing alice-low: the response answers his offer, where that m-line now has port 0.
        Result stopped = bob.stopPlaying("alice-low").get(30, TimeUnit.SECONDS);
        assertThat(stopped.code()).as(stopped.message()).isZero();
        SessionDescription answer = SessionDescription.parse(stopped.data().path("sdp").asText());
        assertThat(answer.media()).hasSize(2);
        assertThat(answer.media().get(0).port()).isZero();
        assertThat(answer.media().get(1).port()).isNotZero();
        assertThat(answer.bundleMids()).containsExactly("1");
        int lowAtStop = low.size();
        int highAtStop = high.size();
        await().atMost(WAIT).until(() -> high.size() >= highAtStop + 50);
        assertThat(low.size()).as("nothing more of the stopped stream").isLessThanOrEqualTo(lowAtStop + 2);
        // Playing it again adds a new m-line (mid 2) to the same transport.
        List<ReceivedPacket> again = new CopyOnWriteArrayList<>();
        Player pLow2 = bob.startPlaying("alice-low", again::add).get(30, TimeUnit.SECONDS);
        assertThat(pLow2.transport()).isSameAs(pHigh.transport());
        await().atMost(WAIT).until(() -> again.size() >= 100);
        assertThat(toneFraction(again, 440)).isGreaterThan(0.7);
        assertThat(serverTransports()).isEqualTo(2);
        // Alice stops publishing alice-high: bob gets the BYE and NO_PLAY; the rest of both transports goes on.
        Result unpublished = alice.stopPublishing("alice-high").get(30, TimeUnit.SECONDS);
        assertThat(unpublished.code()).as(unpublished.message()).isZero();
        assertThat(pHigh.bye()).succeedsWithin(WAIT).isEqualTo(Consumer.BYE_REASON);
        pb.await(Messages.PLAYER_STATE_UPDATE, p -> p.data().path("streamID").asText().equals("alice-high")
                && p.data().path("state").asText().equals("NO_PLAY"));
        int lowNow = again.size();
        await().atMost(WAIT).until(() -> again.size() >= lowNow + 50);
        assertThat(serverTransports()).isEqualTo(2);
        assertThat(a1.isConnected()).isTrue();
    }

    @Test
    void aLongStayingListenerRecyclesStoppedMLinesSoItsOfferStaysAsLongAsItsLiveStreams() throws Exception {
        ParleyEngine alice = login("alice", true);
        ParleyEngine bob = login("bob", true);
        // bob keeps one stream for the whole run, so the session's first m-line stays live.
        Publisher keep = alice.startPublishingMedia("alice-keep", "").get(30, TimeUnit.SECONDS);
        tone(keep, 440);
        List<ReceivedPacket> kept = new CopyOnWriteArrayList<>();
        Player pKeep = bob.startPlaying("alice-keep", kept::add).get(30, TimeUnit.SECONDS);
        // 100 speakers come and go one after another; bob plays and stops each (as does alice, publishing).
        for (int i = 0; i < 100; i++) {
            String id = "alice-" + i;
            alice.startPublishingMedia(id, "").get(30, TimeUnit.SECONDS);
            Player p = bob.startPlaying(id, pkt -> { }).get(30, TimeUnit.SECONDS);
            assertThat(p.transport()).as("stream %d on bob's one transport", i).isSameAs(pKeep.transport());
            Result stopped = bob.stopPlaying(id).get(30, TimeUnit.SECONDS);
            assertThat(stopped.code()).as("stopPlaying %s: %s", id, stopped.message()).isZero();
            // The stop's answer covers the live stream and the stopped one; no m-line of an earlier stream is left.
            assertThat(SessionDescription.parse(stopped.data().path("sdp").asText()).media()).hasSizeLessThanOrEqualTo(2);
            Result unpublished = alice.stopPublishing(id).get(30, TimeUnit.SECONDS);
            assertThat(unpublished.code()).as("stopPublishing %s: %s", id, unpublished.message()).isZero();
        }
        assertThat(bob.mediaBundleSections()).isLessThanOrEqualTo(2);
        assertThat(alice.mediaBundleSections()).isLessThanOrEqualTo(2);
        assertThat(serverTransports()).isEqualTo(2);
        // The 101st stream still plays, its tone intact, and the kept one never stopped.
        Publisher last = alice.startPublishingMedia("alice-last", "").get(30, TimeUnit.SECONDS);
        tone(last, 1000);
        List<ReceivedPacket> heard = new CopyOnWriteArrayList<>();
        bob.startPlaying("alice-last", heard::add).get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> heard.size() >= 100);
        assertThat(toneFraction(heard, 1000)).isGreaterThan(0.7);
        int keptNow = kept.size();
        await().atMost(WAIT).until(() -> kept.size() >= keptNow + 50);
        assertThat(toneFraction(kept, 440)).isGreaterThan(0.7);
    }

    @Test
    void aBundlingClientAndAPerStreamClientHearEachOther() throws Exception {
        ParleyEngine alice = login("alice", true);
        ParleyEngine bob = login("bob", false);
        Publisher a = alice.startPublishingMedia("alice-mic", "").get(30, TimeUnit.SECONDS);
        Publisher b = bob.startPublishingMedia("bob-mic", "").get(30, TimeUnit.SECONDS);
        tone(a, 440);
        tone(b, 1000);
        List<ReceivedPacket> atBob = new CopyOnWriteArrayList<>();
        List<ReceivedPacket> atAlice = new CopyOnWriteArrayList<>();
        bob.startPlaying("alice-mic", atBob::add).get(30, TimeUnit.SECONDS);
        alice.startPlaying("bob-mic", atAlice::add).get(30, TimeUnit.SECONDS);
        // alice: one bundled transport; bob: one per stream.
        assertThat(serverTransports()).isEqualTo(3);
        await().atMost(WAIT).until(() -> atBob.size() >= 100 && atAlice.size() >= 100);
        assertThat(toneFraction(atBob, 440)).isGreaterThan(0.7);
        assertThat(toneFraction(atAlice, 1000)).isGreaterThan(0.7);
    }

    // ---- refusals, over the wire with crafted offers ----

    private static final SdpWriter.LocalIce ICE = new SdpWriter.LocalIce("ufragA", "0123456789abcdefghijklmn",
            new Sdp.Fingerprint("sha-256", DtlsCertificate.generate().fingerprint().hex()));

    private static SdpWriter.OfferSection send(String mid) {
        return new SdpWriter.OfferSection(mid, Sdp.Direction.SENDONLY,
                new SdpWriter.LocalSource(1000 + mid.hashCode(), "cname" + mid, "parley", "audio" + mid), false);
    }

    private static SdpWriter.OfferSection recv(String mid) {
        return new SdpWriter.OfferSection(mid, Sdp.Direction.RECVONLY,
                new SdpWriter.LocalSource(2000 + mid.hashCode(), "cname" + mid, "parley", "audio" + mid), false);
    }

    private static String offer(SdpWriter.LocalIce ice, SdpWriter.OfferSection... sections) {
        return SdpWriter.bundleOffer(List.of(sections), ice, 42, 2);
    }

    @Test
    void offersTheSessionTransportCannotTakeAreRefusedWithAReason() throws Exception {
        ParleyEngine alice = login("alice", false);
        ParleyEngine bob = login("bob", false);
        Result ok = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a0", "",
                offer(ICE, send("0")), null, null, "0")).get();
        assertThat(ok.code()).as(ok.message()).isZero();
        assertThat(SessionDescription.parse(ok.data().path("sdp").asText()).bundleMids()).containsExactly("0");
        // The tagged m-line carries every server candidate, UDP first, then ICE-TCP (PROTOCOL.md "Media").
        assertThat(SessionDescription.parse(ok.data().path("sdp").asText()).media().get(0).candidates())
                .extracting(Sdp.Candidate::transport).containsExactly("udp", "tcp");
        // A mid without an offer, an empty mid, a mid with rtmp.
        assertThat(alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a1", "", null, null, null, "1"))
                .get().code()).isEqualTo(ErrorCode.PARAMETER_ERROR);
        assertThat(alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a1", "", null, "rtmp", null, "1"))
                .get().code()).isEqualTo(ErrorCode.PARAMETER_ERROR);
        // The mid is not in the offer.
        Result noSuchMid = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a1", "",
                offer(ICE, send("0"), send("1")), null, null, "7")).get();
        assertThat(noSuchMid.code()).isEqualTo(ErrorCode.PUBLISH_SDP_REFUSED);
        assertThat(noSuchMid.message()).contains("a=mid:7");
        // A mid is never reused, even by another request type.
        Result reused = alice.request(Messages.START_PLAYING, new Messages.StartPlaying("a0",
                offer(ICE, recv("0")), null, null, "0")).get();
        assertThat(reused.code()).isEqualTo(ErrorCode.PLAY_SDP_REFUSED);
        assertThat(reused.message()).contains("never reused");
        // An offer that drops a live stream's m-line outside its stop request.
        Result dropped = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a1", "",
                offer(ICE, new SdpWriter.OfferSection("0", Sdp.Direction.SENDONLY, send("0").source(), true),
                        send("1")), null, null, "1")).get();
        assertThat(dropped.code()).isEqualTo(ErrorCode.PUBLISH_SDP_REFUSED);
        assertThat(dropped.message()).contains("carries stream 'a0'");
        // Other ICE credentials while streams are live: a second PeerConnection, refused.
        SdpWriter.LocalIce other = new SdpWriter.LocalIce("ufragB", "0123456789abcdefghijklmn", ICE.fingerprint());
        Result restart = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a1", "",
                offer(other, send("0"), send("1")), null, null, "1")).get();
        assertThat(restart.code()).isEqualTo(ErrorCode.PUBLISH_SDP_REFUSED);
        assertThat(restart.message()).contains("ICE");
        // A second sending section with the same SSRC cannot be told apart.
        SdpWriter.OfferSection clash = new SdpWriter.OfferSection("1", Sdp.Direction.SENDONLY, send("0").source(), false);
        Result sameSsrc = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a1", "",
                offer(ICE, send("0"), clash), null, null, "1")).get();
        assertThat(sameSsrc.code()).isEqualTo(ErrorCode.PUBLISH_SDP_REFUSED);
        assertThat(sameSsrc.message()).contains("one SSRC per stream");
        // A stop with an offer for a stream that is not on the session transport.
        assertThat(bob.request(Messages.START_PUBLISHING, new Messages.StartPublishing("b0", "")).get().code()).isZero();
        assertThat(bob.request(Messages.STOP_PUBLISHING, new Messages.StopPublishing("b0", null, offer(ICE, send("0"))))
                .get().code()).isEqualTo(ErrorCode.PARAMETER_ERROR);
        // None of this disturbed the live stream: it stops with an offer, answered with port 0.
        Result stop = alice.request(Messages.STOP_PUBLISHING, new Messages.StopPublishing("a0", null,
                offer(ICE, new SdpWriter.OfferSection("0", Sdp.Direction.SENDONLY, send("0").source(), true)))).get();
        assertThat(stop.code()).as(stop.message()).isZero();
        assertThat(SessionDescription.parse(stop.data().path("sdp").asText()).media().get(0).port()).isZero();
        assertThat(serverTransports()).isEqualTo(1);
    }

    // ---- multi-room: the transport is the session's, shared by its rooms ----

    private static final long MULTI_APP = 4_440_009;
    private static final String MULTI_SECRET = "bundlemultibundlemultibundlemult";

    @Test
    void aSessionInSeveralRoomsHasOneTransportThatClosesWhenItLeavesTheLast() throws Exception {
        ParleyConfig base = TestServer.config();
        List<AppConfig> apps = new ArrayList<>(base.apps());
        apps.add(new AppConfig(MULTI_APP, MULTI_SECRET).withMultiRoom(true));
        TestServer multi = TestServer.start(base.withApps(apps));
        closing.add(multi::close);
        ParleyEngine alice = ParleyEngine.create(MULTI_APP, multi.wsUri());
        engines.add(alice);
        String token = JwtTokens.mint(MULTI_APP, "alice", MULTI_SECRET.getBytes(StandardCharsets.UTF_8),
                Instant.now().minusSeconds(5), Instant.now().plus(Duration.ofHours(1)), null, true, true, null);
        Messages.RoomConfig config = new Messages.RoomConfig(true, 0, true);
        assertThat(alice.loginRoom("room-1", token, user("alice"), config).get().code()).isZero();
        assertThat(alice.loginRoom("room-2", token, user("alice"), config).get().code()).isZero();

        // One m-line per room's stream, each request naming its room, on one transport.
        Result r1 = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a-r1", "",
                offer(ICE, send("0")), null, "room-1", "0")).get();
        assertThat(r1.code()).as(r1.message()).isZero();
        Result r2 = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a-r2", "",
                offer(ICE, send("0"), send("1")), null, "room-2", "1")).get();
        assertThat(r2.code()).as(r2.message()).isZero();
        assertThat(SessionDescription.parse(r2.data().path("sdp").asText()).bundleMids()).containsExactly("0", "1");
        assertThat(multi.server().rooms().snapshot(MULTI_APP, "room-1").join().streamIds()).containsExactly("a-r1");
        assertThat(multi.server().rooms().snapshot(MULTI_APP, "room-2").join().streamIds()).containsExactly("a-r2");
        assertThat(multi.server().media().transportCount()).isEqualTo(1);

        // Leaving room-1 ends its stream, not the transport: room-2's go on and more are added to it.
        assertThat(alice.logoutRoom("room-1").get().code()).isZero();
        assertThat(multi.server().media().transportCount()).isEqualTo(1);
        Result r3 = alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("a-r2b", "",
                offer(ICE, send("0"), send("1"), send("2")), null, "room-2", "2")).get();
        assertThat(r3.code()).as(r3.message()).isZero();
        SessionDescription answer = SessionDescription.parse(r3.data().path("sdp").asText());
        assertThat(answer.media().get(0).direction()).as("room-1's ended stream, the tagged m-line")
                .isEqualTo(Sdp.Direction.INACTIVE);
        assertThat(answer.media().get(1).port()).isNotZero();
        assertThat(answer.media().get(2).port()).isNotZero();
        assertThat(multi.server().rooms().snapshot(MULTI_APP, "room-2").join().streamIds())
                .containsExactlyInAnyOrder("a-r2", "a-r2b");
        assertThat(multi.server().media().transportCount()).isEqualTo(1);

        // Leaving the last room closes it.
        assertThat(alice.logoutRoom("room-2").get().code()).isZero();
        await().atMost(WAIT).until(() -> multi.server().media().transportCount() == 0);
    }
}
