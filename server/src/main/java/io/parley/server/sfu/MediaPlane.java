package io.parley.server.sfu;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.parley.media.dtls.DtlsCertificate;
import io.parley.media.dtls.DtlsSettings;
import io.parley.protocol.media.IceCandidate;
import io.parley.server.config.ParleyConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SFU's network side: {@code media.loops} media loops ({@link MediaLoop}, threads {@code parley-media}), each with
 * its own UDP socket per bound address, all on the media port ({@code SO_REUSEPORT}, so the kernel spreads peers over
 * the sockets by 4-tuple hash), plus ICE-TCP connections ({@link IceTcpServer}, on the first loop) for clients that
 * cannot use UDP. ICE-lite: the STUN USERNAME picks the transport and the check's source address is latched to it.
 * Each transport, Producer and Consumer lives on one loop (a room's, or a bundle's), so forwarding takes no lock; a
 * packet that the kernel delivered to another loop's socket is handed to the owning loop as the one buffer it came in
 * (retained, not copied), and every send goes out of the owning loop's socket (same port, so the peer sees one
 * address). What the sockets read is demultiplexed by {@link MediaInbound}. Signalling threads call
 * {@link MediaSessions}, which hops to the loop; in-process sources and sinks plug in with {@link #createLocalProducer}
 * and {@link #createLocalConsumer}.
 */
public final class MediaPlane implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MediaPlane.class);
    static final int OPUS_CLOCK_RATE = 48_000;
    static final int SRTP_OVERHEAD = 32;
    static final int MAX_DATAGRAM = 2048;
    /**
     * Datagrams one read may take with epoll ({@code recvmmsg}): the receive buffer holds this many slots of
     * {@link #MAX_DATAGRAM} bytes, and each datagram is a slice of it (no copy).
     */
    static final int READ_BATCH = 16;
    /** Threads beyond the handshake limit, for the short post-handshake DTLS tasks (alerts, close_notify). */
    private static final int DTLS_DRAIN_THREADS = 16;
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
    /**
     * The timer's period; each endpoint's reports fall on its own tick of the cycle, so they spread out: a tick does
     * 1/50 of the RTCP reports, 1/150 of the quality snapshots and 1/5 of the TWCC feedback, a short pause for the
     * packets waiting behind it.
     */
    static final long TICK_MILLIS = 20;
    /** Transport timeouts, receiver and sender reports: every second. */
    static final int REPORT_EVERY_TICKS = 50;
    /** Quality updates: every 3 seconds. */
    static final int QUALITY_EVERY_TICKS = 150;
    /** TWCC feedback: every 100 ms (libwebrtc's default feedback interval). */
    static final int TWCC_EVERY_TICKS = 5;
    /**
     * A quality period measures from the first packet (or the last report) to now; one shorter than this (an endpoint
     * whose media started just before its turn) is folded into the next, so rates are not computed on a sliver.
     */
    static final long MIN_QUALITY_PERIOD_NANOS = 1_000_000_000L;

    private final ParleyConfig.Media config;
    private final MediaClock clock;
    /** The media loops' own group when the plane made it (closed with the plane); null when given a channel. */
    private EventLoopGroup ownGroup;
    /** The first loop's first UDP socket: its address is the plane's port; single-socket callers (tests) use it. */
    private Channel channel;
    /** Every loop's UDP sockets and the ICE-TCP listeners. */
    private MediaSockets sockets;
    private List<IceCandidate> candidates;
    private List<MediaLoop> loops = List.of();
    private final AtomicInteger nextPlacement = new AtomicInteger();
    private final DtlsCertificate certificate = DtlsCertificate.generate();
    private final DtlsSettings dtlsSettings;
    private final ExecutorService dtlsPool;
    private final DtlsAdmission dtlsAdmission;
    private final MediaCounters counters = new MediaCounters();
    /** STUN error replies per source IP, across every loop. */
    private final StunErrorLimiter stunErrors;
    private final String announcedAddress;
    private final List<String> candidateAddresses;
    /** Every loop's transports by local ufrag and by latched UDP peer: read by any loop, changed by the owner's. */
    private final ConcurrentHashMap<String, WebRtcTransport> byUfrag = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetSocketAddress, WebRtcTransport> byAddress = new ConcurrentHashMap<>();
    private LongConsumer forwardLatency = nanos -> { };
    /** Reads and demultiplexes what the sockets and ICE-TCP connections receive. */
    private final MediaInbound inbound = new MediaInbound(this);

    private MediaPlane(ParleyConfig.Media config, MediaClock clock) {
        this.config = config;
        this.clock = clock;
        this.dtlsSettings = DtlsSettings.DEFAULTS.withHandshakeTimeout(config.dtlsHandshakeTimeout())
                .withStallTimeout(config.dtlsStallTimeout());
        this.dtlsAdmission = new DtlsAdmission(new DtlsAdmission.Limits(config.dtlsMaxHandshakes(),
                config.dtlsMaxHandshakesPerAddress(), config.dtlsMaxHandshakesPerSession(), config.dtlsMaxHandshakesPerApp()));
        // Admission keeps running handshakes within the limit, so a handshake always finds a thread; a queue (not a
        // rejection) absorbs a burst of post-handshake tasks, which are short.
        int threads = config.dtlsMaxHandshakes() + DTLS_DRAIN_THREADS;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "parley-dtls");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        this.dtlsPool = pool;
        this.candidateAddresses = config.candidateAddresses();
        this.announcedAddress = candidateAddresses.get(0);
        this.stunErrors = new StunErrorLimiter(config.stunErrorRepliesPerSecond());
    }

    private void attach(List<MediaLoop> all, MediaSockets s) {
        this.loops = List.copyOf(all);
        this.sockets = s;
        this.channel = s.first();
    }

    private void startTickers() {
        for (MediaLoop l : loops) {
            l.startTicker(loops.size()); // each loop on its own slice of the tick, so they do not all tick at once
        }
    }

    /**
     * Binds the media port on {@code media.loops} media loops of their own (threads {@code parley-media}): each loop one
     * UDP socket per address of {@code media.bindAddress}, all on the same port with {@code SO_REUSEPORT}; with
     * {@code media.tcp}, the ICE-TCP listeners on the first loop. Without epoll there is no {@code SO_REUSEPORT}: one
     * loop, and the log says so.
     */
    public static MediaPlane start(ParleyConfig.Media config, IoHandlerFactory io, boolean epoll, MediaClock clock)
            throws InterruptedException {
        int n = config.resolvedLoops();
        if (n > 1 && !epoll) {
            log.warn("media.loops is {} but the epoll transport is not available: without SO_REUSEPORT the media plane"
                    + " runs on one loop", n);
            n = 1;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory("parley-media", true), io);
        MediaPlane plane = new MediaPlane(config, clock);
        plane.ownGroup = group;
        try {
            List<MediaLoop> loops = new ArrayList<>();
            List<List<Channel>> udp = new ArrayList<>();
            int i = 0;
            for (io.netty.util.concurrent.EventExecutor e : group) {
                MediaLoop l = new MediaLoop(plane, i++, (EventLoop) e);
                loops.add(l);
            }
            List<Integer> ports = new ArrayList<>();
            for (MediaLoop l : loops) {
                Bootstrap b = new Bootstrap().group(l.loop)
                        .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                        .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                        .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                        .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                        .handler(plane.inbound.receiver(l));
                if (epoll) {
                    // recvmmsg: up to READ_BATCH datagrams per system call, each a slice of one receive buffer.
                    b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM)
                            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM * READ_BATCH));
                } else {
                    b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM));
                }
                if (n > 1) {
                    b.option(EpollChannelOption.SO_REUSEPORT, true);
                }
                List<Channel> mine = new ArrayList<>();
                List<String> addresses = config.bindAddresses();
                for (int a = 0; a < addresses.size(); a++) {
                    // The first loop picks the port (media.port, or any free one when 0); the others join it.
                    int port = l.index == 0 ? config.port() : ports.get(a);
                    Channel ch = b.bind(addresses.get(a), port).sync().channel();
                    if (l.index == 0) {
                        ports.add(((InetSocketAddress) ch.localAddress()).getPort());
                    }
                    mine.add(ch);
                }
                l.sockets(mine);
                udp.add(mine);
            }
            IceTcpServer tcp = null;
            if (config.tcp()) {
                tcp = new IceTcpServer(plane, config);
                tcp.bind(loops.get(0).loop, epoll, config.bindAddresses(),
                        config.tcpPort() != 0 ? config.tcpPort() : config.port());
            }
            plane.attach(loops, new MediaSockets(udp, tcp));
            plane.startTickers();
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        plane.candidates = plane.buildCandidates();
        log.info("media on udp {} ({} loop{}{}), ICE-TCP {} (candidates: {})", plane.udpAddresses(), n, n == 1 ? "" : "s",
                n > 1 ? ", SO_REUSEPORT" : "", config.tcp() ? plane.tcpAddresses() : "off",
                plane.candidates.stream().map(IceCandidate::sdpValue).toList());
        return plane;
    }

    /**
     * The media sockets' buffers (receive batches, every player's copy): Netty's pooled allocator, not 4.2's default
     * adaptive one, whose {@code setBytes} from another buffer makes two NIO buffer views per call, and a forwarded
     * copy is written from three (header, extensions, payload): over half of what the forwarding path allocated per
     * packet (JFR, BENCHMARKS.md "Allocation per packet"). The pooled buffers copy by address.
     */
    static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    /**
     * A plane writing to a given channel (an EmbeddedChannel in tests and benchmarks); datagrams go in by
     * {@link #onDatagram}, and the caller drives the timer with {@link #tick()} (no timer runs by itself).
     */
    static MediaPlane attachedTo(ParleyConfig.Media config, Channel channel) {
        return attachedTo(config, channel, MediaClock.SYSTEM);
    }

    public static MediaPlane attachedTo(ParleyConfig.Media config, Channel channel, MediaClock clock) {
        MediaPlane plane = new MediaPlane(config, clock);
        channel.config().setAllocator(ALLOCATOR); // the buffers of a real media socket
        MediaLoop l = new MediaLoop(plane, 0, channel.eventLoop());
        l.sockets(List.of(channel));
        plane.attach(List.of(l), new MediaSockets(List.of(List.of(channel)), null));
        return plane;
    }

    public int port() {
        return channel.localAddress() instanceof InetSocketAddress a ? a.getPort() : config.port();
    }

    public String announcedAddress() {
        return announcedAddress;
    }

    /**
     * The candidates every answer announces: a UDP host candidate per announced address (on the port of the socket of
     * its family), then, with ICE-TCP on, a TCP passive candidate per address; UDP ranks above TCP.
     */
    public List<IceCandidate> candidates() {
        List<IceCandidate> c = candidates;
        return c != null ? c : buildCandidates();
    }

    private List<IceCandidate> buildCandidates() {
        return sockets.candidates(candidateAddresses, config.port());
    }

    private volatile Predicate<InetSocketAddress> udpFirewall;

    /**
     * For tests: a firewall in front of the UDP sockets, standing in for a network that blocks UDP. Datagrams from
     * sources it matches are dropped unread (not counted); null lets everything in.
     */
    public void udpFirewall(Predicate<InetSocketAddress> blocked) {
        this.udpFirewall = blocked;
    }

    /** ICE-TCP connection counters, or null when ICE-TCP is off. */
    public IceTcpCounters tcpCounters() {
        return sockets.tcp() == null ? null : sockets.tcp().counters();
    }

    /** The ICE-TCP listeners' addresses (empty when off). */
    public List<InetSocketAddress> tcpAddresses() {
        return sockets.tcpAddresses();
    }

    /** The UDP sockets' addresses (the first loop's: every loop's sockets share them). */
    public List<InetSocketAddress> udpAddresses() {
        return sockets.udpAddresses();
    }

    /** The media loops; a room or bundle is placed on one of them. */
    List<MediaLoop> loops() {
        return loops;
    }

    /** How many media loops run (1 without epoll whatever {@code media.loops} says). */
    public int loopCount() {
        return loops.size();
    }

    /**
     * The loop a new room (or bundle) goes on: the one with the fewest Producers and Consumers, ties going round robin,
     * so rooms created together spread over the loops. Any thread.
     */
    public MediaLoop place() {
        int n = loops.size();
        int start = Math.floorMod(nextPlacement.getAndIncrement(), n);
        MediaLoop best = loops.get(start);
        for (int k = 1; k < n; k++) {
            MediaLoop l = loops.get((start + k) % n);
            if (l.load() < best.load()) {
                best = l;
            }
        }
        return best;
    }

    /** The first loop's sockets flushed (tests and single-loop callers); media loop. */
    void flush() {
        loops.get(0).flush();
    }

    public MediaCounters counters() {
        return counters;
    }

    /** Transports open right now (for metrics); any thread, approximate. */
    public int transportCount() {
        return byUfrag.size();
    }

    /** Transports whose DTLS handshake is done (SRTP keys in place); any thread, approximate. */
    public CompletableFuture<Integer> connectedTransportCount() {
        return CompletableFuture.completedFuture((int) byUfrag.values().stream().filter(t -> t.srtp != null).count());
    }

    /** Where forwarding latency goes (metrics); set once at start. */
    public void forwardLatency(LongConsumer recorder) {
        this.forwardLatency = recorder;
    }

    void recordForward(long arrivalNanos) {
        forwardLatency.accept(clock.nanoTime() - arrivalNanos);
    }

    /**
     * The first media loop: in-process sources and sinks may run their own tasks on it. With several loops prefer
     * {@link LocalProducer#executor()}, the loop of the Producer fed.
     */
    public EventExecutor executor() {
        return loops.get(0).loop;
    }

    public MediaClock clock() {
        return clock;
    }

    // ---- in-process sources and sinks ----

    /**
     * A Producer fed by an in-process source (an RTMP edge's transcoder, a file, a test) instead of a WebRTC
     * transport: plaintext RTP with SSRC {@code ssrc} goes in by {@link LocalProducer#deliver}. Any thread; the
     * Producer reaches its media loop (one picked by {@link #place()}) before any packet delivered after this returns.
     */
    public LocalProducer createLocalProducer(String streamId, long ssrc, MediaObserver observer) {
        return createLocalProducer(place(), streamId, ssrc, observer);
    }

    /** As {@link #createLocalProducer(String, long, MediaObserver)}, on the given loop (a room's). */
    public LocalProducer createLocalProducer(MediaLoop where, String streamId, long ssrc, MediaObserver observer) {
        Producer p = new Producer(where, streamId, observer, null, ssrc & 0xFFFFFFFFL, MediaSessions.randomSsrc());
        where.execute(() -> where.track(p));
        return new LocalProducer(this, p);
    }

    /**
     * A Consumer of {@code producer} whose packets go to {@code sink} on the Producer's media loop (see {@link RtpSink}
     * for the buffer's ownership) instead of a WebRTC transport. Any thread; close it with {@link #close(Consumer)}.
     * If the Producer is already closed, the sink's {@link RtpSink#onClose()} is called at once (on the media loop).
     */
    public Consumer createLocalConsumer(Producer producer, RtpSink sink, MediaObserver observer) {
        Consumer c = new Consumer(this, producer, observer, null, producer.serverSsrc, null, -1);
        c.sink = sink;
        c.shard.execute(() -> {
            c.shard.track(c);
            c.attachToProducer();
        });
        return c;
    }

    /**
     * A Consumer with a sink on {@code where}, which may be another loop than the Producer's (then it is fed through a
     * {@link Relay}); any thread. For tests of the cross-loop fan-out, which bundles reach through {@link MediaSessions}.
     */
    Consumer createLocalConsumer(MediaLoop where, Producer producer, RtpSink sink, MediaObserver observer) {
        Consumer c = new Consumer(where, producer, observer, null, producer.serverSsrc, null, -1, HeaderExtensionMap.NONE,
                -1);
        c.sink = sink;
        where.execute(() -> {
            where.track(c);
            c.attachToProducer();
        });
        return c;
    }

    /** The loop of the transport latched to UDP peer {@code remote}, or null (tests). */
    MediaLoop loopOf(InetSocketAddress remote) {
        WebRtcTransport t = byAddress.get(remote);
        return t == null ? null : t.shard;
    }

    /** Closes a Producer (its Consumers end with NO_PLAY); any thread, idempotent. */
    public void close(Producer p) {
        p.shard.execute(p::close);
    }

    /** Closes a Consumer; any thread, idempotent. */
    public void close(Consumer c) {
        c.shard.execute(c::close);
    }

    /** Runs a task on the first media loop (tests, single-loop callers). */
    void execute(Runnable task) {
        loops.get(0).execute(task);
    }

    DtlsCertificate certificate() {
        return certificate;
    }

    DtlsSettings dtlsSettings() {
        return dtlsSettings;
    }

    ExecutorService dtlsPool() {
        return dtlsPool;
    }

    DtlsAdmission dtlsAdmission() {
        return dtlsAdmission;
    }

    /** DTLS handshakes holding a thread right now (for metrics); any thread, approximate. */
    public int dtlsHandshakesRunning() {
        return dtlsAdmission.running();
    }

    Channel channel() {
        return channel;
    }

    /** The first media loop (tests, single-loop callers). */
    MediaLoop firstLoop() {
        return loops.get(0);
    }

    EventLoop loop() {
        return loops.get(0).loop;
    }

    ParleyConfig.Media config() {
        return config;
    }

    // ---- registry (the endpoint's or transport's own loop) ----

    void track(Producer p) {
        p.shard.track(p);
    }

    void track(Consumer c) {
        c.shard.track(c);
    }

    /**
     * Makes {@code t} findable by its ufrag at once, from any thread: the answer that names the ufrag is sent to the
     * client before the owner loop runs {@link #register}, and the client's first ICE check may be read before that
     * task too (a busy loop reads before it runs its tasks). Unfound, the check was dropped unanswered and the client
     * waited for its retransmission (seconds at a join burst); found, it is answered and latched as usual.
     */
    void announce(WebRtcTransport t) {
        byUfrag.put(t.localUfrag, t);
    }

    /** {@code t} joins its loop (owner loop); it is announced already, or is now. */
    void register(WebRtcTransport t) {
        announce(t);
        t.shard.add(t);
    }

    void unregister(WebRtcTransport t) {
        byUfrag.remove(t.localUfrag, t);
        MediaPath p = t.path;
        if (p != null && !p.isTcp()) {
            byAddress.remove(p.remote(), t);
        }
        t.shard.remove(t);
    }

    /** Latches {@code t} to a UDP peer address, on its loop's first socket (tests and benchmarks). */
    void latch(WebRtcTransport t, InetSocketAddress to) {
        latch(t, MediaPath.udp(t.shard.socket(0), to));
    }

    /** Makes {@code path} where {@code t} sends (and, for UDP, whose datagrams reach it); {@code t}'s loop. */
    void latch(WebRtcTransport t, MediaPath path) {
        MediaPath old = t.path;
        if (old != null && !old.isTcp()) {
            byAddress.remove(old.remote(), t);
        }
        if (!path.isTcp()) {
            WebRtcTransport previous = byAddress.put(path.remote(), t);
            if (previous != null && previous != t) {
                // The same 5-tuple now belongs to a newer transport (the client reused its socket).
                InetSocketAddress remote = path.remote();
                previous.shard.execute(() -> previous.lostAddress(remote));
            }
        }
        t.path = path;
        t.address = path.remote();
    }

    /** An ICE-TCP connection closed: a transport whose path it was loses it; the connection's loop. */
    void tcpClosed(IceTcpConnection conn) {
        WebRtcTransport t = conn.transport;
        if (t != null) {
            t.shard.execute(() -> {
                if (t.path != null && t.path.tcp() == conn) {
                    t.pathClosed("the ICE-TCP connection from " + conn.remote() + " closed");
                }
            });
        }
    }

    // ---- inbound (MediaInbound) ----

    /** The first loop's socket read {@code buf} from {@code from} (tests and benchmarks on an EmbeddedChannel). */
    void onDatagram(ByteBuf buf, InetSocketAddress from, long now) {
        inbound.onDatagram(loops.get(0), channel, buf, from, now);
    }

    /** One RFC 4571 frame from an ICE-TCP connection, on its loop. */
    void onTcpFrame(IceTcpConnection conn, ByteBuf buf, long now) {
        inbound.onTcpFrame(conn, buf, now);
    }

    WebRtcTransport byUfrag(String ufrag) {
        return byUfrag.get(ufrag);
    }

    WebRtcTransport byAddress(InetSocketAddress remote) {
        return byAddress.get(remote);
    }

    Predicate<InetSocketAddress> udpFirewall() {
        return udpFirewall;
    }

    StunErrorLimiter stunErrors() {
        return stunErrors;
    }

    // ---- timers ----

    /** Runs the first loop's timer once (tests on an EmbeddedChannel drive it by hand). */
    void tick() {
        loops.get(0).tick();
    }

    /** Closes every Producer (and with them their Consumers) and any Consumer left on the first loop (tests). */
    void closeAll() {
        loops.get(0).closeAll();
    }

    @Override
    public void close() {
        for (MediaLoop l : loops) {
            l.stopTicker();
        }
        for (MediaLoop l : loops) {
            if (!l.loop.isShuttingDown()) {
                l.loop.submit(l::closeAll).awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
        sockets.close();
        dtlsPool.shutdownNow();
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
