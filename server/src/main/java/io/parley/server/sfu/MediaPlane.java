package io.parley.server.sfu;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.media.dtls.DtlsCertificate;
import io.parley.media.dtls.DtlsSettings;
import io.parley.protocol.media.IceCandidate;
import io.parley.protocol.media.MediaDemux;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import io.parley.server.config.ParleyConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SFU's network side: one UDP socket per bound address for every transport, plus ICE-TCP connections
 * ({@link IceTcpServer}) for clients that cannot use UDP (ICE-lite, so the STUN USERNAME picks the transport and
 * the check's source address is latched to it), read on the media loop, which also runs every Producer and
 * Consumer, so the forwarding path needs no lock. The media loop is its own thread ({@code parley-media}), never
 * one of the signalling loops. Signalling threads call {@link MediaSessions}, which hops here; in-process sources
 * and sinks plug in with {@link #createLocalProducer} and {@link #createLocalConsumer}.
 */
public final class MediaPlane implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MediaPlane.class);
    static final int OPUS_CLOCK_RATE = 48_000;
    static final int SRTP_OVERHEAD = 32;
    private static final int MAX_DATAGRAM = 2048;
    /** Threads beyond the handshake limit, for the short post-handshake DTLS tasks (alerts, close_notify). */
    private static final int DTLS_DRAIN_THREADS = 16;
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
    /** The timer's period; each endpoint's reports fall on its own tick of the cycle, so they spread out. */
    static final long TICK_MILLIS = 100;
    /** Transport timeouts, receiver and sender reports: every second. */
    static final int REPORT_EVERY_TICKS = 10;
    /** Quality updates: every 3 seconds. */
    static final int QUALITY_EVERY_TICKS = 30;
    /**
     * A quality period measures from the first packet (or the last report) to now; one shorter than this (an endpoint
     * whose media started just before its turn) is folded into the next, so rates are not computed on a sliver.
     */
    static final long MIN_QUALITY_PERIOD_NANOS = 1_000_000_000L;

    private final ParleyConfig.Media config;
    private final MediaClock clock;
    /** The media loop's own group when the plane made it (closed with the plane); null when given a channel. */
    private EventLoopGroup ownGroup;
    /** The first UDP socket: allocators and the single-socket callers use it. */
    private Channel channel;
    /** Every UDP socket and the ICE-TCP listeners; writes to any UDP socket are flushed together. */
    private MediaSockets sockets;
    private List<IceCandidate> candidates;
    private EventLoop loop;
    private final DtlsCertificate certificate = DtlsCertificate.generate();
    private final DtlsSettings dtlsSettings;
    private final ExecutorService dtlsPool;
    private final DtlsAdmission dtlsAdmission;
    private final MediaCounters counters = new MediaCounters();
    private final RtpPacket rtpView = new RtpPacket();
    /** Consumers' view of the packet they copy; apart from {@link #rtpView}, which the Producer holds meanwhile. */
    private final RtpPacket forwardView = new RtpPacket();
    private final String announcedAddress;
    private final List<String> candidateAddresses;
    private final Map<String, WebRtcTransport> byUfrag = new HashMap<>();
    private final Map<InetSocketAddress, WebRtcTransport> byAddress = new HashMap<>();
    private final Set<Producer> producers = new LinkedHashSet<>();
    private final Set<Consumer> consumers = new LinkedHashSet<>();
    private final StunErrorLimiter stunErrors;
    private ScheduledFuture<?> ticker;
    private int ticks;
    private int nextPhase;
    private LongConsumer forwardLatency = nanos -> { };

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

    private void attach(Channel ch) {
        attach(new MediaSockets(List.of(ch), null));
    }

    private void attach(MediaSockets s) {
        Channel ch = s.first();
        this.channel = ch;
        this.sockets = s;
        this.loop = ch.eventLoop();
        this.ticker = loop.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Binds the media port (one UDP socket per address of {@code media.bindAddress}) and, with {@code media.tcp}, the
     * ICE-TCP listeners, on a media loop of its own (one thread, {@code parley-media}).
     */
    public static MediaPlane start(ParleyConfig.Media config, IoHandlerFactory io, boolean epoll, MediaClock clock)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("parley-media", true), io);
        MediaPlane plane = new MediaPlane(config, clock);
        plane.ownGroup = group;
        Bootstrap b = new Bootstrap().group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .handler(plane.new Receiver());
        try {
            List<Channel> udp = new ArrayList<>();
            for (String address : config.bindAddresses()) {
                udp.add(b.bind(address, config.port()).sync().channel());
            }
            IceTcpServer tcp = null;
            if (config.tcp()) {
                tcp = new IceTcpServer(plane, config);
                tcp.bind(group, epoll, config.bindAddresses(), config.tcpPort() != 0 ? config.tcpPort() : config.port());
            }
            plane.attach(new MediaSockets(udp, tcp));
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        plane.candidates = plane.buildCandidates();
        log.info("media on udp {}, ICE-TCP {} (candidates: {})", plane.udpAddresses(),
                config.tcp() ? plane.tcpAddresses() : "off", plane.candidates.stream().map(IceCandidate::sdpValue).toList());
        return plane;
    }

    /** A plane writing to a given channel (an EmbeddedChannel in tests and benchmarks); datagrams go in by {@link #onDatagram}. */
    static MediaPlane attachedTo(ParleyConfig.Media config, Channel channel) {
        return attachedTo(config, channel, MediaClock.SYSTEM);
    }

    public static MediaPlane attachedTo(ParleyConfig.Media config, Channel channel, MediaClock clock) {
        MediaPlane plane = new MediaPlane(config, clock);
        plane.attach(channel);
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

    /** The UDP sockets' addresses. */
    public List<InetSocketAddress> udpAddresses() {
        return sockets.udpAddresses();
    }

    /** Flushes what was queued on every UDP socket; media loop. */
    void flush() {
        sockets.flush();
    }
    public MediaCounters counters() {
        return counters;
    }

    /** Transports open right now (for metrics); any thread, approximate. */
    public int transportCount() {
        return transportCount;
    }

    private volatile int transportCount;

    /** Transports whose DTLS handshake is done (SRTP keys in place), counted on the media loop. */
    public CompletableFuture<Integer> connectedTransportCount() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        loop.execute(() -> f.complete((int) byUfrag.values().stream().filter(t -> t.srtp != null).count()));
        return f;
    }

    /** Where forwarding latency goes (metrics); set once at start. */
    public void forwardLatency(LongConsumer recorder) {
        this.forwardLatency = recorder;
    }

    void recordForward(long arrivalNanos) {
        forwardLatency.accept(clock.nanoTime() - arrivalNanos);
    }

    /** The media loop: in-process sources and sinks may run their own tasks on it. */
    public EventExecutor executor() {
        return loop;
    }

    public MediaClock clock() {
        return clock;
    }

    // ---- in-process sources and sinks ----

    /**
     * A Producer fed by an in-process source (an RTMP edge's transcoder, a file, a test) instead of a WebRTC
     * transport: plaintext RTP with SSRC {@code ssrc} goes in by {@link LocalProducer#deliver}. Any thread; the
     * Producer reaches the media loop before any packet delivered after this returns.
     */
    public LocalProducer createLocalProducer(String streamId, long ssrc, MediaObserver observer) {
        Producer p = new Producer(this, streamId, observer, null, ssrc & 0xFFFFFFFFL, MediaSessions.randomSsrc());
        execute(() -> track(p));
        return new LocalProducer(this, p);
    }

    /**
     * A Consumer of {@code producer} whose packets go to {@code sink} on the media loop (see {@link RtpSink} for
     * the buffer's ownership) instead of a WebRTC transport. Any thread; close it with {@link #close(Consumer)}.
     * If the Producer is already closed, the sink's {@link RtpSink#onClose()} is called at once (on the media loop).
     */
    public Consumer createLocalConsumer(Producer producer, RtpSink sink, MediaObserver observer) {
        Consumer c = new Consumer(this, producer, observer, null, producer.serverSsrc, null, -1);
        c.sink = sink;
        execute(() -> {
            track(c);
            producer.attach(c);
        });
        return c;
    }

    /** Closes a Producer (its Consumers end with NO_PLAY); any thread, idempotent. */
    public void close(Producer p) {
        execute(p::close);
    }

    /** Closes a Consumer; any thread, idempotent. */
    public void close(Consumer c) {
        execute(c::close);
    }

    /** Runs a task on the media loop; during shutdown the graph is being discarded anyway. */
    void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            if (!loop.isShuttingDown()) {
                throw e;
            }
            log.debug("media task dropped during shutdown");
        }
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

    EventLoop loop() {
        return loop;
    }

    RtpPacket rtpView() {
        return rtpView;
    }

    RtpPacket forwardView() {
        return forwardView;
    }

    ParleyConfig.Media config() {
        return config;
    }

    // ---- registry (media loop) ----

    void register(WebRtcTransport t) {
        byUfrag.put(t.localUfrag, t);
        transportCount = byUfrag.size();
    }

    void unregister(WebRtcTransport t) {
        byUfrag.remove(t.localUfrag, t);
        MediaPath p = t.path;
        if (p != null && !p.isTcp()) {
            byAddress.remove(p.remote(), t);
        }
        transportCount = byUfrag.size();
    }

    /** Latches {@code t} to a UDP peer address, on the first socket (tests and benchmarks). */
    void latch(WebRtcTransport t, InetSocketAddress to) {
        latch(t, MediaPath.udp(channel, to));
    }

    /** Makes {@code path} where {@code t} sends (and, for UDP, whose datagrams reach it); media loop. */
    void latch(WebRtcTransport t, MediaPath path) {
        MediaPath old = t.path;
        if (old != null && !old.isTcp()) {
            byAddress.remove(old.remote(), t);
        }
        if (!path.isTcp()) {
            WebRtcTransport previous = byAddress.put(path.remote(), t);
            if (previous != null && previous != t) {
                // The same 5-tuple now belongs to a newer transport (the client reused its socket).
                previous.address = null;
                previous.path = null;
            }
        }
        t.path = path;
        t.address = path.remote();
    }

    /** An ICE-TCP connection closed: a transport whose path it was loses it; media loop. */
    void tcpClosed(IceTcpConnection conn) {
        WebRtcTransport t = conn.transport;
        if (t != null && t.path != null && t.path.tcp() == conn) {
            t.pathClosed("the ICE-TCP connection from " + conn.remote() + " closed");
        }
    }

    void track(Producer p) {
        p.tickPhase = nextPhase++ % QUALITY_EVERY_TICKS;
        producers.add(p);
    }

    void track(Consumer c) {
        c.tickPhase = nextPhase++ % QUALITY_EVERY_TICKS;
        consumers.add(c);
    }

    void forget(Producer p) {
        producers.remove(p);
    }

    void forget(Consumer c) {
        consumers.remove(c);
    }

    // ---- inbound ----

    /** Stateless: one instance serves every UDP socket of the plane. */
    @ChannelHandler.Sharable
    private final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            Predicate<InetSocketAddress> blocked = udpFirewall;
            if (blocked != null && blocked.test(packet.sender())) {
                return;
            }
            onDatagram(ctx.channel(), packet.content(), packet.sender(), clock.nanoTime());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flush(); // forwarding may have written to the other family's socket too
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("media socket error: {}", cause.toString());
        }
    }

    void onDatagram(ByteBuf buf, InetSocketAddress from, long now) {
        onDatagram(channel, buf, from, now);
    }

    void onDatagram(Channel socket, ByteBuf buf, InetSocketAddress from, long now) {
        MediaDemux.Kind kind = MediaDemux.classify(buf);
        if (kind == MediaDemux.Kind.STUN) {
            onStun(buf, MediaPath.udp(socket, from), now);
            return;
        }
        if (kind == MediaDemux.Kind.UNKNOWN) {
            counters.drop(DropReason.MALFORMED);
            return;
        }
        WebRtcTransport t = byAddress.get(from);
        if (t == null) {
            counters.drop(DropReason.UNKNOWN_ADDRESS);
            return;
        }
        dispatch(t, kind, buf, now);
    }

    /**
     * One RFC 4571 frame from an ICE-TCP connection: demultiplexed like a datagram, except that the connection, not
     * the source address, names the transport, and that anything but a valid ICE check first closes it.
     */
    void onTcpFrame(IceTcpConnection conn, ByteBuf buf, long now) {
        MediaDemux.Kind kind = MediaDemux.classify(buf);
        if (kind == MediaDemux.Kind.STUN) {
            onStun(buf, conn.path(), now);
            return;
        }
        WebRtcTransport t = conn.transport;
        if (t == null) {
            counters.drop(kind == MediaDemux.Kind.UNKNOWN ? DropReason.MALFORMED : DropReason.UNKNOWN_ADDRESS);
            conn.close(IceTcpCounters.Close.NOT_ICE);
            return;
        }
        if (kind == MediaDemux.Kind.UNKNOWN) {
            counters.drop(DropReason.MALFORMED);
            return;
        }
        dispatch(t, kind, buf, now);
    }

    private void dispatch(WebRtcTransport t, MediaDemux.Kind kind, ByteBuf buf, long now) {
        switch (kind) {
            case DTLS -> t.onDtls(buf, now);
            case RTP -> t.onRtp(buf, now);
            case RTCP -> {
                counters.rtcpPacketsIn.increment();
                counters.rtcpBytesIn.add(buf.readableBytes());
                t.onRtcp(buf, now);
            }
            default -> counters.drop(DropReason.MALFORMED);
        }
    }

    private void onStun(ByteBuf buf, MediaPath via, long now) {
        InetSocketAddress from = via.remote();
        Parsed<StunMessage> parsed = StunMessage.parse(buf);
        if (!parsed.isOk()) {
            counters.drop(DropReason.MALFORMED);
            notIce(via);
            return;
        }
        StunMessage msg = parsed.value();
        if (!msg.isBindingRequest()) {
            notIce(via);
            return; // indications (keepalives) and stray responses need no answer
        }
        String username = msg.username();
        int colon = username == null ? -1 : username.indexOf(':');
        WebRtcTransport t = colon <= 0 ? null : byUfrag.get(username.substring(0, colon));
        if (t == null) {
            // Silence: a port that answers any binding request is a reflector for spoofed sources.
            counters.drop(DropReason.STUN_UNKNOWN_USERNAME);
            notIce(via);
            return;
        }
        if (!msg.hasMessageIntegrity()) {
            counters.drop(DropReason.STUN_BAD_INTEGRITY);
            replyError(msg, StunEncoder.BAD_REQUEST, "missing MESSAGE-INTEGRITY", via, now);
            return;
        }
        if (!msg.checkIntegrity(t.stunKey) || (msg.hasFingerprint() && !msg.checkFingerprint())) {
            counters.drop(DropReason.STUN_BAD_INTEGRITY);
            replyError(msg, StunEncoder.UNAUTHORIZED, "bad integrity", via, now);
            return;
        }
        via.write(Unpooled.wrappedBuffer(StunEncoder.bindingSuccess(msg.transactionId(), from, t.stunKey)));
        if (via.isTcp()) {
            via.tcp().checked(t);
        }
        t.checked(via, msg.useCandidate(), now);
    }

    /** A first frame on an ICE-TCP connection that is no valid check for a known transport closes it. */
    private static void notIce(MediaPath via) {
        if (via.isTcp() && via.tcp().transport == null) {
            via.tcp().close(IceTcpCounters.Close.NOT_ICE);
        }
    }

    /** A 400 or 401, within {@code media.stunErrorRepliesPerSecond} per source address; the rest are counted. */
    private void replyError(StunMessage msg, int code, String reason, MediaPath to, long now) {
        if (!stunErrors.allow(to.remote().getAddress(), now)) {
            counters.stunErrorRepliesLimited.increment();
            return;
        }
        counters.stunErrorReplies.increment();
        to.write(Unpooled.wrappedBuffer(StunEncoder.bindingError(msg.transactionId(), code, reason, null)));
    }

    // ---- timers ----

    /**
     * Every {@link #TICK_MILLIS}: the endpoints whose phase falls on this tick send their RTCP reports (each once a
     * second) and quality updates (each every 3 s), so that thousands of endpoints do not report in one burst.
     */
    void tick() {
        long now = clock.nanoTime();
        int tick = ticks++;
        // Timeouts are checked once a second, on the same instants as when the timer ticked once a second
        // (1 s, 2 s, ... after start), so that how long a silent peer lives did not change with the finer tick.
        if (tick % REPORT_EVERY_TICKS == REPORT_EVERY_TICKS - 1) {
            long timeout = config.iceTimeout().toNanos();
            for (WebRtcTransport t : new ArrayList<>(byUfrag.values())) {
                t.check(now, timeout);
            }
        }
        // TWCC feedback every tick (100 ms, libwebrtc's default feedback interval): a sender's estimator wants arrival
        // times often, and at 50 audio packets a second that is one small RTCP packet per 5 packets.
        for (WebRtcTransport t : byUfrag.values()) {
            if (t.transportCc != null) {
                t.sendTransportCc();
            }
        }
        int reportSlot = tick % REPORT_EVERY_TICKS;
        int qualitySlot = tick % QUALITY_EVERY_TICKS;
        for (Producer p : producers) {
            if (p.tickPhase % REPORT_EVERY_TICKS == reportSlot) {
                p.measureRate(now);
                p.sendReceiverReport(now);
            }
            if (p.tickPhase == qualitySlot) {
                p.reportQuality(now);
            }
        }
        for (Consumer c : consumers) {
            if (c.tickPhase % REPORT_EVERY_TICKS == reportSlot) {
                c.sendSenderReport(now);
            }
            if (c.tickPhase == qualitySlot) {
                c.reportQuality(now);
            }
        }
        flush();
    }

    /** Closes every Producer (and with them their Consumers) and any Consumer left; media loop. */
    void closeAll() {
        for (Producer p : new ArrayList<>(producers)) {
            p.close();
        }
        for (Consumer c : new ArrayList<>(consumers)) {
            c.close();
        }
    }

    @Override
    public void close() {
        ticker.cancel(false);
        if (!loop.isShuttingDown()) {
            loop.submit(this::closeAll).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        sockets.close();
        dtlsPool.shutdownNow();
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
