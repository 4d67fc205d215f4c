package io.parley.server.sfu;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.MediaConfig;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.protocol.signal.Messages;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Several media loops: each reads its own {@code SO_REUSEPORT} socket on the media port; a packet read by a loop that
 * does not own its transport is handed over (one buffer, no copy) and answered from the owner's socket; a Producer's
 * Consumers on another loop are fed through one relay hand-off per packet.
 */
class MediaLoopsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long SSRC = 0x0A0B0C0DL;
    /** Attempts at a player whose socket the kernel hashes to the other loop; each is a coin toss with two loops. */
    private static final int ATTEMPTS = 24;

    private static ParleyConfig.Media media(int loops) {
        return new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", Duration.ofSeconds(10)).withLoops(loops);
    }

    @Test
    void packetsReadByAnotherLoopsSocketReachTheirTransportAndAnswersLeaveFromTheMediaPort() throws Exception {
        assumeTrue(Epoll.isAvailable(), "SO_REUSEPORT media loops need the epoll transport");
        ParleyConfig c = TestServer.config();
        List<ParleyEngine> engines = new ArrayList<>();
        try (TestServer server = TestServer.start(c.withMedia(media(2)))) {
            MediaPlane plane = server.server().media();
            assertThat(plane.loopCount()).isEqualTo(2);
            assertThat(plane.udpAddresses()).hasSize(1);
            // Which loop's socket read each source: the firewall hook runs on the reading loop and lets all in.
            Map<InetSocketAddress, Thread> readBy = new ConcurrentHashMap<>();
            plane.udpFirewall(from -> {
                readBy.put(from, Thread.currentThread());
                return false;
            });
            ParleyEngine alice = server.engine();
            engines.add(alice);
            assertThat(alice.loginRoom("loops", token("alice"), user("alice"), withUserUpdates()).get().code()).isZero();
            Publisher pub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
            InetSocketAddress port = new InetSocketAddress("127.0.0.1", plane.port());
            boolean crossed = false;
            for (int attempt = 0; attempt < ATTEMPTS && !crossed; attempt++) {
                ParleyEngine bob = server.engine();
                engines.add(bob);
                String userId = "bob" + attempt;
                assertThat(bob.loginRoom("loops", token(userId), user(userId), withUserUpdates()).get().code()).isZero();
                try (LossyRelay relay = new LossyRelay(port)) {
                    List<ReceivedPacket> got = new CopyOnWriteArrayList<>();
                    Player player = playVia(bob, "alice-mic", port, relay, got);
                    InetSocketAddress peer = new InetSocketAddress("127.0.0.1", relay.port());
                    await().atMost(WAIT).until(() -> plane.loopOf(peer) != null && readBy.containsKey(peer));
                    MediaLoop owner = plane.loopOf(peer);
                    if (owner.loop.inEventLoop(readBy.get(peer))) {
                        player.close(); // this socket hashed to its owner's loop: try another
                        bob.logoutRoom("loops");
                        continue;
                    }
                    crossed = true;
                    long handedBefore = plane.counters().handedOver();
                    await().atMost(WAIT).until(() -> plane.connectedTransportCount().join() == 2);
                    int n = 100;
                    for (int i = 0; i < n; i++) {
                        assertThat(pub.sendFrame(new byte[] {(byte) i, 1, 2, 3})).isTrue();
                    }
                    // The relay passes on only what comes from the media port: STUN answers, DTLS and SRTP all did.
                    await().atMost(WAIT).until(() -> got.size() >= n);
                    assertThat(got).hasSize(n);
                    for (int i = 0; i < n; i++) {
                        assertThat(got.get(i).payload()[0]).as("packet %d in order", i).isEqualTo((byte) i);
                    }
                    // The player's RTCP (receiver reports) is read by the other loop's socket and handed over.
                    await().atMost(WAIT).until(() -> plane.counters().handedOver() > handedBefore);
                    player.close();
                }
            }
            assertThat(crossed).as("a player whose packets the kernel gave to the other loop's socket, in %d tries",
                    ATTEMPTS).isTrue();
        } finally {
            engines.forEach(ParleyEngine::close);
        }
    }

    private static Player playVia(ParleyEngine engine, String streamId, InetSocketAddress media, LossyRelay relay,
                                  List<ReceivedPacket> sink) throws Exception {
        Player player = Player.create(streamId, MediaConfig.DEFAULTS, sink::add).get(20, TimeUnit.SECONDS);
        Result r = engine.request(Messages.START_PLAYING, new Messages.StartPlaying(streamId, player.offer())).get();
        assertThat(r.code()).as(r.message()).isZero();
        String answer = r.data().path("sdp").asText()
                .replace("127.0.0.1 " + media.getPort() + " typ host", "127.0.0.1 " + relay.port() + " typ host");
        return player.connect(answer).get(20, TimeUnit.SECONDS);
    }

    /** Records what a sink on another loop gets, and on which thread. */
    private static final class ThreadSink implements RtpSink {
        final List<Integer> seqs = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public void onRtp(ByteBuf rtp) {
            try {
                threads.add(Thread.currentThread());
                seqs.add(rtp.getUnsignedShort(rtp.readerIndex() + 2));
            } finally {
                rtp.release();
            }
        }

        @Override
        public void onClose() {
            closes.incrementAndGet();
        }
    }

    @Test
    void consumersOnAnotherLoopGetEveryPacketThroughOneHandOffPerPacket() throws Exception {
        assumeTrue(Epoll.isAvailable(), "SO_REUSEPORT media loops need the epoll transport");
        try (MediaPlane plane = MediaPlane.start(media(2), EpollIoHandler.newFactory(), true, MediaClock.SYSTEM)) {
            MediaLoop home = plane.loops().get(0);
            MediaLoop away = plane.loops().get(1);
            LocalProducer source = plane.createLocalProducer(home, "s1", SSRC, MediaObserver.NONE);
            List<Integer> counts = new CopyOnWriteArrayList<>();
            source.onConsumers(counts::add);
            List<ThreadSink> sinks = List.of(new ThreadSink(), new ThreadSink(), new ThreadSink());
            List<Consumer> consumers = new ArrayList<>();
            for (ThreadSink s : sinks) {
                consumers.add(plane.createLocalConsumer(away, source.producer(), s, MediaObserver.NONE));
            }
            await().atMost(WAIT).until(() -> !counts.isEmpty() && counts.get(counts.size() - 1) == 3);

            int n = 200;
            for (int seq = 0; seq < n; seq++) {
                source.deliver(SfuRig.rtp(SSRC, seq));
            }
            await().atMost(WAIT).until(() -> sinks.stream().allMatch(s -> s.seqs.size() >= n));
            for (ThreadSink s : sinks) {
                assertThat(s.seqs).hasSize(n);
                for (int i = 0; i < n; i++) {
                    assertThat(s.seqs.get(i)).as("in order").isEqualTo(i);
                }
                assertThat(s.threads).allMatch(away.loop::inEventLoop);
            }
            assertThat(plane.counters().relayed()).as("one hand-off per packet for the three players").isEqualTo(n);

            // One player leaves (its relay stays for the others); then the source closes: the rest end, once each.
            plane.close(consumers.get(0));
            await().atMost(WAIT).until(() -> counts.get(counts.size() - 1) == 2);
            assertThat(sinks.get(0).closes.get()).isEqualTo(1);
            source.close();
            await().atMost(WAIT).until(() -> sinks.get(1).closes.get() == 1 && sinks.get(2).closes.get() == 1);
            assertThat(away.loop.submit(() -> away.relays.isEmpty()).get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(sinks.get(0).closes.get()).isEqualTo(1);
        }
    }

    @Test
    void aConsumerOnAnotherLoopOfAClosedProducerEndsAtOnce() throws Exception {
        assumeTrue(Epoll.isAvailable(), "SO_REUSEPORT media loops need the epoll transport");
        try (MediaPlane plane = MediaPlane.start(media(2), EpollIoHandler.newFactory(), true, MediaClock.SYSTEM)) {
            LocalProducer source = plane.createLocalProducer(plane.loops().get(0), "s1", SSRC, MediaObserver.NONE);
            source.close();
            ThreadSink sink = new ThreadSink();
            plane.createLocalConsumer(plane.loops().get(1), source.producer(), sink, MediaObserver.NONE);
            await().atMost(WAIT).until(() -> sink.closes.get() == 1);
        }
    }

    @Test
    void roomsCreatedTogetherSpreadOverTheLoops() throws Exception {
        assumeTrue(Epoll.isAvailable(), "SO_REUSEPORT media loops need the epoll transport");
        try (MediaPlane plane = MediaPlane.start(media(3), EpollIoHandler.newFactory(), true, MediaClock.SYSTEM)) {
            assertThat(List.of(plane.place(), plane.place(), plane.place())).doesNotHaveDuplicates();
            // Every loop's socket is on the one media port.
            for (MediaLoop l : plane.loops()) {
                assertThat(((InetSocketAddress) l.socket(0).localAddress()).getPort()).isEqualTo(plane.port());
            }
        }
    }

    @Test
    void aBurstReadInRecvmmsgBatchesHasEveryDatagramHandledOnItsOwn() throws Exception {
        assumeTrue(Epoll.isAvailable(), "recvmmsg needs the epoll transport");
        try (MediaPlane plane = MediaPlane.start(media(1), EpollIoHandler.newFactory(), true, MediaClock.SYSTEM);
             java.nio.channels.DatagramChannel client = java.nio.channels.DatagramChannel.open()) {
            client.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", plane.port());
            // Hold the loop while the burst queues in the socket, so its reads find many datagrams at once.
            java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
            plane.executor().execute(() -> {
                try {
                    hold.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            int n = 100;
            for (int i = 0; i < n; i++) {
                // RTP-shaped datagrams of different sizes from an address no transport latched: each must be
                // classified and counted as a drop on its own, whichever slot of a batch it came in.
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(20 + i * 7);
                b.put(0, (byte) 0x80).put(1, (byte) 111).putShort(2, (short) i);
                client.send(b, to);
            }
            hold.countDown();
            await().atMost(WAIT).until(() -> plane.counters().dropped(DropReason.UNKNOWN_ADDRESS) == n);
            assertThat(plane.counters().batchedDatagrams()).as("datagrams read behind another in one recvmmsg")
                    .isGreaterThan(0);
            assertThat(plane.counters().dropped(DropReason.MALFORMED)).isZero();
        }
    }

    @Test
    void withoutEpollThePlaneFallsBackToOneLoop() throws Exception {
        try (MediaPlane plane = MediaPlane.start(media(4), NioIoHandler.newFactory(), false, MediaClock.SYSTEM)) {
            assertThat(plane.loopCount()).isEqualTo(1);
            assertThat(plane.place()).isSameAs(plane.place());
        }
    }
}
