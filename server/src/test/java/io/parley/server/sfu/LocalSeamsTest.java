package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.parley.media.srtp.SrtpSession;
import io.parley.media.srtp.SrtpStatus;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Producer/Consumer seams without sockets: in-process sources and sinks, and WebRTC peers beside them. */
class LocalSeamsTest {
    private static final long SSRC = 0x11223344L;

    @Test
    void aLocalSourceReachesALocalSinkUnchangedWithStateEventsInOrder() {
        try (SfuRig rig = new SfuRig()) {
            SfuRig.Events pub = new SfuRig.Events();
            SfuRig.Events play = new SfuRig.Events();
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, pub);
            SfuRig.Sink sink = new SfuRig.Sink();
            rig.plane.createLocalConsumer(source.producer(), sink, play);
            rig.runTasks();

            for (int seq = 100; seq < 105; seq++) {
                source.deliver(SfuRig.rtp(SSRC, seq));
            }

            assertThat(sink.packets).hasSize(5);
            ByteBuf expected = SfuRig.rtp(SSRC, 102);
            byte[] e = new byte[expected.readableBytes()];
            expected.readBytes(e);
            expected.release();
            assertThat(sink.packets.get(2)).as("a sink gets the Producer's bytes, not rewritten").isEqualTo(e);
            assertThat(pub.seen).containsExactly(
                    new MediaEvent.PublisherStateChanged(PublishState.PUBLISHING, 0, EndReason.NONE, ""));
            assertThat(play.seen).containsExactly(
                    new MediaEvent.PlayerStateChanged(PlayState.PLAYING, 0, EndReason.NONE, ""));
            assertThat(rig.plane.counters().rtpPacketsIn()).isEqualTo(5);
        }
    }

    @Test
    void closingTheSourceEndsItsSinksOnce() {
        try (SfuRig rig = new SfuRig()) {
            SfuRig.Events play = new SfuRig.Events();
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, MediaObserver.NONE);
            SfuRig.Sink sink = new SfuRig.Sink();
            rig.plane.createLocalConsumer(source.producer(), sink, play);
            rig.runTasks();
            source.deliver(SfuRig.rtp(SSRC, 1));

            source.close();
            rig.runTasks();
            source.deliver(SfuRig.rtp(SSRC, 2)); // after close: dropped and released

            assertThat(sink.closes).isEqualTo(1);
            assertThat(sink.packets).hasSize(1);
            assertThat(play.of(MediaEvent.PlayerStateChanged.class)).last()
                    .isEqualTo(new MediaEvent.PlayerStateChanged(PlayState.NO_PLAY, 0, EndReason.PUBLISHER_STOPPED, ""));
        }
    }

    @Test
    void aSinkAttachedToAClosedProducerIsClosedAtOnce() {
        try (SfuRig rig = new SfuRig()) {
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, MediaObserver.NONE);
            source.close();
            rig.runTasks();
            SfuRig.Sink sink = new SfuRig.Sink();
            rig.plane.createLocalConsumer(source.producer(), sink, MediaObserver.NONE);
            rig.runTasks();
            assertThat(sink.closes).isEqualTo(1);
        }
    }

    @Test
    void closingASinkConsumerDetachesItWhileOthersKeepReceiving() {
        try (SfuRig rig = new SfuRig()) {
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, MediaObserver.NONE);
            SfuRig.Sink a = new SfuRig.Sink();
            SfuRig.Sink b = new SfuRig.Sink();
            Consumer ca = rig.plane.createLocalConsumer(source.producer(), a, MediaObserver.NONE);
            rig.plane.createLocalConsumer(source.producer(), b, MediaObserver.NONE);
            rig.runTasks();
            source.deliver(SfuRig.rtp(SSRC, 1));
            rig.plane.close(ca);
            rig.runTasks();
            source.deliver(SfuRig.rtp(SSRC, 2));
            assertThat(a.packets).hasSize(1);
            assertThat(a.closes).isEqualTo(1);
            assertThat(b.packets).hasSize(2);
            assertThat(ca.isEnded()).isTrue();
        }
    }

    @Test
    void packetsOfAnotherSsrcOrMalformedAreDroppedAndCounted() {
        try (SfuRig rig = new SfuRig()) {
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, MediaObserver.NONE);
            SfuRig.Sink sink = new SfuRig.Sink();
            rig.plane.createLocalConsumer(source.producer(), sink, MediaObserver.NONE);
            rig.runTasks();
            source.deliver(SfuRig.rtp(0x999, 1));
            ByteBuf junk = Unpooled.buffer(16).writeZero(16); // version 0, but this source's SSRC
            junk.setInt(8, (int) SSRC);
            source.deliver(junk);
            assertThat(sink.packets).isEmpty();
            assertThat(rig.plane.counters().dropped(DropReason.UNKNOWN_SSRC)).isEqualTo(1);
            assertThat(rig.plane.counters().dropped(DropReason.MALFORMED)).isEqualTo(1);
        }
    }

    @Test
    void aLocalSourceFeedsWebRtcPlayersRewrittenAndAnswersTheirNacksFromItsCache() {
        try (SfuRig rig = new SfuRig()) {
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, MediaObserver.NONE);
            Producer producer = source.producer();
            SfuRig.Events play = new SfuRig.Events();
            Consumer c = new Consumer(rig.plane, producer, play, null, 0x5000, "cname", 109);
            InetSocketAddress player = new InetSocketAddress("127.0.0.1", 41000);
            SrtpSession playerSide = rig.connectedConsumer(c, player);
            rig.runTasks();
            rig.plane.execute(() -> {
                rig.plane.track(c);
                producer.attach(c);
            });
            rig.runTasks();

            source.deliver(SfuRig.rtp(SSRC, 7));
            List<DatagramPacket> out = rig.datagrams();
            assertThat(out).hasSize(1);
            ByteBuf srtp = out.get(0).content();
            assertThat(out.get(0).recipient()).isEqualTo(player);
            assertThat(playerSide.unprotectRtp(srtp)).isEqualTo(SrtpStatus.OK);
            RtpPacket view = new RtpPacket();
            assertThat(view.wrap(srtp)).isEqualTo(RtpPacket.Status.OK);
            assertThat(view.ssrc()).as("rewritten to the player's SSRC").isEqualTo(0x5000);
            assertThat(view.payloadType()).isEqualTo(109);
            int playerSeq = view.sequenceNumber();
            SfuRig.release(out);

            // The player lost it: the Producer's NACK cache answers.
            assertThat(producer.cached(7)).isNotNull();
            c.onRtcp(new RtcpPacket.Nack(1, 0x5000, List.of(new RtcpPacket.NackItem(playerSeq, 0))), rig.clock.nanoTime());
            List<DatagramPacket> again = rig.datagrams();
            assertThat(again).hasSize(1);
            SfuRig.release(again);
            assertThat(rig.plane.counters().retransmissions()).isEqualTo(1);
            assertThat(play.of(MediaEvent.PlayerStateChanged.class)).extracting(MediaEvent.PlayerStateChanged::state)
                    .containsExactly(PlayState.PLAYING);
        }
    }

    @Test
    void aLocalSourceWithoutExtensionsPlaysToAPlayerThatNegotiatedMidAndLevel() {
        // An RTMP-bridged stream (AacToOpusFeed) sends no header extensions; the player still gets its own mid.
        try (SfuRig rig = new SfuRig()) {
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, MediaObserver.NONE);
            Producer producer = source.producer();
            HeaderExtensionMap ext = HeaderExtensionMap.of(producer.extensions,
                    java.util.Map.of(io.parley.protocol.media.Sdp.MID_URI, 3, io.parley.protocol.media.Sdp.AUDIO_LEVEL_URI, 5),
                    "m1");
            Consumer c = new Consumer(rig.plane, producer, MediaObserver.NONE, null, 0x5000, "cname", 111, ext, -1);
            SrtpSession playerSide = rig.connectedConsumer(c, new InetSocketAddress("127.0.0.1", 41000));
            rig.plane.execute(() -> {
                rig.plane.track(c);
                producer.attach(c);
            });
            rig.runTasks();

            source.deliver(SfuRig.rtp(SSRC, 7));
            List<DatagramPacket> out = rig.datagrams();
            assertThat(out).hasSize(1);
            ByteBuf srtp = out.get(0).content();
            assertThat(playerSide.unprotectRtp(srtp)).isEqualTo(SrtpStatus.OK);
            RtpPacket view = new RtpPacket();
            assertThat(view.wrap(srtp)).isEqualTo(RtpPacket.Status.OK);
            assertThat(view.extensionElements()).containsOnlyKeys(3);
            assertThat(view.extensionElements().get(3)).isEqualTo("m1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(view.payloadLength()).isEqualTo(20);
            assertThat(srtp.getByte(view.offset() + view.payloadOffset())).isEqualTo((byte) 7);
            SfuRig.release(out);
        }
    }

    @Test
    void qualityIsReportedEveryPeriodForLocalSourcesAndSinks() {
        try (SfuRig rig = new SfuRig()) {
            SfuRig.Events pub = new SfuRig.Events();
            SfuRig.Events play = new SfuRig.Events();
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, pub);
            SfuRig.Sink sink = new SfuRig.Sink();
            rig.plane.createLocalConsumer(source.producer(), sink, play);
            rig.runTasks();
            for (int seq = 0; seq < 150; seq++) {
                source.deliver(SfuRig.rtp(SSRC, seq));
            }
            rig.clock.advance(Duration.ofSeconds(2));
            for (int i = 0; i < MediaPlane.QUALITY_EVERY_TICKS; i++) {
                rig.clock.advance(Duration.ofMillis(MediaPlane.TICK_MILLIS));
                rig.plane.tick();
            }
            List<MediaEvent.QualityMeasured> pq = pub.of(MediaEvent.QualityMeasured.class);
            List<MediaEvent.QualityMeasured> cq = play.of(MediaEvent.QualityMeasured.class);
            assertThat(pq).hasSize(1);
            assertThat(cq).hasSize(1);
            assertThat(pq.get(0).quality().packets()).isEqualTo(150);
            assertThat(pq.get(0).quality().packetsLost()).isZero();
            assertThat(cq.get(0).quality().packets()).isEqualTo(150);
            double seconds = 150 * 32 / (pq.get(0).quality().kbps() * 1000 / 8); // 150 packets of 32 bytes
            assertThat(seconds).as("the rate is over the measured period, from the first packet").isBetween(2.0, 5.0);
        }
    }

    @Test
    void qualitySnapshotsGiveExactFiguresForAFullPeriodWithLoss() {
        try (SfuRig rig = new SfuRig()) {
            SfuRig.Events pub = new SfuRig.Events();
            SfuRig.Events play = new SfuRig.Events();
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, pub);
            rig.plane.createLocalConsumer(source.producer(), new SfuRig.Sink(), play);
            rig.runTasks();
            // One 32-byte packet per 20 ms tick, on the fake clock. The publisher's turn is tick 0 (too soon after the
            // first packet), then ticks 150 and 300; the player's one tick later. Two quality periods each, the second
            // exactly one turn long, with 5 packets lost in it.
            int period = MediaPlane.QUALITY_EVERY_TICKS;
            int seq = 0;
            for (int tick = 0; tick <= 2 * period + 1; tick++) {
                boolean lost = tick >= period + 10 && tick < period + 15;
                if (!lost) {
                    source.deliver(SfuRig.rtp(SSRC, seq));
                }
                seq++;
                rig.clock.advance(Duration.ofMillis(MediaPlane.TICK_MILLIS));
                rig.plane.tick();
            }
            List<MediaEvent.QualityMeasured> pq = pub.of(MediaEvent.QualityMeasured.class);
            List<MediaEvent.QualityMeasured> cq = play.of(MediaEvent.QualityMeasured.class);
            assertThat(pq).hasSize(2);
            assertThat(cq).hasSize(2);
            // The second period is exactly one full turn: 3 s, 150 packets sent, 145 received.
            MediaEvent.QualityMeasured second = pq.get(1);
            assertThat(second.to().nanos() - second.from().nanos()).isEqualTo(Duration.ofSeconds(3).toNanos());
            MediaQuality q = second.quality();
            assertThat(q.packets()).isEqualTo(145);
            assertThat(q.packetsLost()).isEqualTo(5);
            assertThat(q.lossRate()).isCloseTo(5 / 150.0, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(q.kbps()).isCloseTo(145 * 32 * 8 / 3.0 / 1000, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(q.jitterMillis()).isCloseTo(0, org.assertj.core.data.Offset.offset(0.01));
            assertThat(q.rttMillis()).isEqualTo(-1);
            MediaQuality c = cq.get(1).quality();
            assertThat(c.packets()).as("the player got what arrived").isEqualTo(145);
            assertThat(c.kbps()).isCloseTo(145 * 32 * 8 / 3.0 / 1000, org.assertj.core.data.Offset.offset(1e-9));
            // Periods chain: each starts where the last ended, so no packet is counted twice or lost between them.
            assertThat(pq.get(1).from()).isEqualTo(pq.get(0).to());
            assertThat(pq.get(0).quality().packets() + q.packets() + q.packetsLost()).isEqualTo(2 * period + 1);
            assertThat(cq.get(1).to().nanos() - cq.get(1).from().nanos()).isEqualTo(Duration.ofSeconds(3).toNanos());
        }
    }

    @Test
    void aQualityPeriodShorterThanASecondWaitsForTheNextTurn() {
        try (SfuRig rig = new SfuRig()) {
            SfuRig.Events pub = new SfuRig.Events();
            LocalProducer source = rig.plane.createLocalProducer("s1", SSRC, pub);
            rig.runTasks();
            source.deliver(SfuRig.rtp(SSRC, 1));
            rig.clock.advance(Duration.ofMillis(500));
            rig.plane.tick(); // phase 0: its turn, but only half a second of media
            assertThat(pub.of(MediaEvent.QualityMeasured.class)).isEmpty();
        }
    }

    @Test
    void reportsOfManyEndpointsAreSpreadOverThePeriodNotSentInOneTick() {
        try (SfuRig rig = new SfuRig()) {
            int[] perTick = new int[MediaPlane.QUALITY_EVERY_TICKS];
            int[] tick = {0};
            MediaObserver counting = e -> {
                if (e instanceof MediaEvent.QualityMeasured) {
                    perTick[tick[0]]++;
                }
            };
            for (int i = 0; i < 2 * MediaPlane.QUALITY_EVERY_TICKS; i++) {
                LocalProducer p = rig.plane.createLocalProducer("s" + i, SSRC + i, counting);
                rig.runTasks();
                p.deliver(SfuRig.rtp(SSRC + i, 1));
            }
            rig.clock.advance(Duration.ofSeconds(2));
            for (; tick[0] < MediaPlane.QUALITY_EVERY_TICKS; tick[0]++) {
                rig.plane.tick();
            }
            assertThat(perTick).containsOnly(2); // two endpoints per tick of the period
        }
    }

    @Test
    void aSinkGetsRedFromARedPublisherStrippedToPlainOpusAndPlainOpusUnchanged() {
        try (SfuRig rig = new SfuRig()) {
            // A publisher that negotiated Opus 111 and RED 63 (as Chromium does).
            Producer p = new Producer(rig.plane, "s1", MediaObserver.NONE, "answer", SSRC, 1, java.util.Map.of(), 111, 63);
            SfuRig.Sink sink = new SfuRig.Sink();
            rig.plane.execute(() -> rig.plane.track(p));
            rig.plane.createLocalConsumer(p, sink, MediaObserver.NONE);
            rig.runTasks();
            byte[] red = PlayerRewriteTest.hex("""
                    80 3f 0007 000003c0 11223344   // PT=63 (RED)
                    ef 0f0002 6f                   // one redundant block of 2 bytes, then the primary header
                    aaaa bbbbbb                    // redundant, primary
                    """);
            byte[] opus = PlayerRewriteTest.hex("80 6f 0008 00000780 11223344 cccc");
            for (byte[] packet : List.of(red, opus)) {
                ByteBuf buf = Unpooled.wrappedBuffer(packet);
                p.onRtp(buf, rig.clock.nanoTime());
                buf.release();
            }
            assertThat(sink.packets).containsExactly(
                    PlayerRewriteTest.hex("80 6f 0007 000003c0 11223344 bbbbbb"), opus);
        }
    }

    @Test
    void aTransportWithNoIceCheckFailsAfterTheTimeoutOnTheInjectedClock() {
        try (SfuRig rig = new SfuRig()) {
            SfuRig.Events pub = new SfuRig.Events();
            Producer p = new Producer(rig.plane, "s1", pub, "answer", -1, 1);
            WebRtcTransport t = new WebRtcTransport(rig.plane, "ufrag", "passwordpasswordpassword", null, p,
                    rig.clock.nanoTime());
            p.transport = t;
            rig.plane.execute(() -> {
                rig.plane.track(p);
                rig.plane.register(t);
            });
            rig.runTasks();

            rig.clock.advance(SfuRig.ICE_TIMEOUT);
            for (int i = 0; i < MediaPlane.REPORT_EVERY_TICKS; i++) {
                rig.plane.tick();
            }
            assertThat(pub.seen).as("not before the timeout has passed").isEmpty();

            rig.clock.advance(Duration.ofMillis(1));
            for (int i = 0; i < MediaPlane.REPORT_EVERY_TICKS; i++) {
                rig.plane.tick();
            }
            assertThat(pub.seen).hasSize(2);
            MediaEvent.PublisherStateChanged failed = (MediaEvent.PublisherStateChanged) pub.seen.get(0);
            assertThat(failed).isEqualTo(new MediaEvent.PublisherStateChanged(PublishState.NO_PUBLISH,
                    ErrorCode.PUBLISH_MEDIA_FAILED, EndReason.MEDIA_FAILED, failed.detail()));
            assertThat(failed.detail()).startsWith("no ICE connectivity check within 30000 ms at udp "
                    + rig.plane.announcedAddress() + ":" + rig.plane.port() + ", the address the client was told to reach");
            assertThat(pub.seen.get(1)).isInstanceOf(MediaEvent.Failed.class);
            assertThat(rig.plane.transportCount()).isZero();
        }
    }
}
