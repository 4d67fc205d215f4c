package io.parley.client.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.parley.client.WsClient;
import io.parley.media.dtls.DtlsEndpoint;
import io.parley.media.srtp.SrtpKeys;
import io.parley.media.srtp.SrtpSession;
import io.parley.media.srtp.SrtpStatus;
import io.parley.protocol.media.MediaDemux;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.RtcpCodec;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.StunMessage;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebRTC media path, as a browser's {@code RTCPeerConnection} with one audio m-line: a UDP socket, ICE as
 * the controlling agent against the ICE-lite server, DTLS (client role, checking the answer's fingerprint),
 * then SRTP/SRTCP with rtcp-mux. {@link Publisher} and {@link Player} build on it.
 *
 * <p>Lifecycle: new → checking → dtls → connected → closed; closed is final. Every state change and every
 * packet is handled on the transport's event loop (one of {@link WsClient#group()}); the DTLS handshake
 * runs on a shared pool because BouncyCastle's handshake blocks.
 */
public final class MediaTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MediaTransport.class);
    /** SRTCP adds a 4-byte index and up to a 16-byte tag; SRTP a 16-byte tag at most. */
    private static final int SRTP_OVERHEAD = 20;
    /** How long a closing transport waits for its close_notify to leave before closing the socket. */
    static final long CLOSE_GRACE_MILLIS = 300;

    public enum State { NEW, CHECKING, DTLS, CONNECTED, CLOSED }

    private final NioDatagramChannel channel;
    private final EventLoop loop;
    private final MediaConfig config;
    private final String label;
    private final LocalDescription local;
    private final CompletableFuture<MediaTransport> connected = new CompletableFuture<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final RtpPacket rtpView = new RtpPacket();
    private final AtomicLong srtpFailures = new AtomicLong();
    private final AtomicLong datagramsDropped = new AtomicLong();

    /** Its stream (one per transport), or each stream of a {@link MediaSession} (BUNDLE). */
    private final List<TransportHandler> handlers = new CopyOnWriteArrayList<>();
    private volatile State state = State.NEW;
    private volatile RemoteDescription remote;
    private IceAgent ice;
    private DtlsEndpoint dtls;
    private volatile SrtpSession srtp;

    private MediaTransport(NioDatagramChannel channel, EventLoop loop, Sdp.Direction direction, MediaConfig config,
            String label) {
        this.channel = channel;
        this.loop = loop;
        this.config = config;
        this.label = label;
        this.local = LocalDescription.create(direction, ClientDtls.CERTIFICATE);
    }

    /**
     * Binds a UDP socket for a transport that will send ({@code SENDONLY}) or receive ({@code RECVONLY}).
     * {@code label} names it in log lines (the streamID).
     */
    static CompletableFuture<MediaTransport> open(Sdp.Direction direction, MediaConfig config, String label) {
        CompletableFuture<MediaTransport> result = new CompletableFuture<>();
        EventLoop loop = (EventLoop) WsClient.group().next();
        NioDatagramChannel ch = new NioDatagramChannel();
        MediaTransport t;
        try {
            t = new MediaTransport(ch, loop, direction, config, label);
        } catch (RuntimeException e) {
            ch.unsafe().closeForcibly();
            result.completeExceptionally(e);
            return result;
        }
        ch.pipeline().addLast(t.new Inbound());
        loop.register(ch).addListener(r -> {
            if (!r.isSuccess()) {
                result.completeExceptionally(new MediaException("cannot register the UDP socket", r.cause()));
                return;
            }
            ch.bind(config.bindAddress()).addListener(b -> {
                if (b.isSuccess()) {
                    result.complete(t);
                } else {
                    ch.close();
                    result.completeExceptionally(new MediaException(
                            "cannot bind a UDP socket to " + config.bindAddress() + ": " + b.cause(), b.cause()));
                }
            });
        });
        return result;
    }

    /** Adds a stream's handler; one added once connected hears {@code onConnected} at once (on the loop). */
    void handler(TransportHandler h) {
        handlers.add(h);
        if (state == State.CONNECTED) {
            loop.execute(() -> {
                if (state == State.CONNECTED && handlers.contains(h)) {
                    h.onConnected();
                }
            });
        }
    }

    /** A bundled stream was removed: its handler hears no more (its {@code onClosed} is the caller's to call). */
    boolean removeHandler(TransportHandler h) {
        return handlers.remove(h);
    }

    /** Completes once SRTP is ready (as {@link #connect} does), exceptionally when the transport fails first. */
    CompletableFuture<MediaTransport> whenConnected() {
        return connected;
    }

    /** Our ICE credentials and fingerprint, for a {@link MediaSession}'s offers. */
    LocalDescription local() {
        return local;
    }

    /** Our SDP offer: one audio m-line, Opus 111, audio level id 1, our ICE credentials and fingerprint. */
    public String offer() {
        return local.offer();
    }

    /**
     * Applies the server's answer and connects: ICE checks, then the DTLS handshake. Completes on the event
     * loop once SRTP is ready, or exceptionally with a {@link MediaException} (bad answer, ICE timeout, DTLS
     * failure such as a fingerprint mismatch), within the ICE plus DTLS timeouts. The transport is closed on
     * failure.
     */
    public CompletableFuture<MediaTransport> connect(String answerSdp) {
        RemoteDescription r;
        try {
            r = RemoteDescription.parse(answerSdp);
        } catch (IllegalArgumentException e) {
            loop.execute(() -> fail("cannot use the server's answer: " + e.getMessage(), e));
            return connected;
        }
        loop.execute(() -> start(r));
        return connected;
    }

    private void start(RemoteDescription r) {
        if (state != State.NEW) {
            fail("connect called twice (state " + state + ")", null);
            return;
        }
        remote = r;
        state = State.CHECKING;
        ice = new IceAgent(loop, config, new IceAgent.Host() {
            @Override
            public void sendStun(byte[] message, InetSocketAddress to) {
                channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(message), to));
            }

            @Override
            public void iceConnected() {
                startDtls();
            }

            @Override
            public void iceFailed(String reason) {
                fail(reason, null);
            }
        }, local.iceUfrag(), local.icePwd(), r);
        ice.start();
    }

    private void startDtls() {
        if (state != State.CHECKING) {
            return;
        }
        state = State.DTLS;
        RemoteDescription r = remote;
        dtls = new DtlsEndpoint(r.localRole(), ClientDtls.CERTIFICATE, r.fingerprint(), config.dtls(), ClientDtls.POOL,
                bytes -> channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), r.candidate())));
        DtlsEndpoint d = dtls;
        d.handshake().whenComplete((keys, err) -> loop.execute(() -> dtlsDone(keys, err)));
        d.closed().thenAccept(reason -> loop.execute(() -> {
            if (reason != DtlsEndpoint.CloseReason.LOCAL && reason != DtlsEndpoint.CloseReason.HANDSHAKE_FAILED) {
                close("DTLS ended by the server (" + reason + ")");
            }
        }));
        d.start();
    }

    private void dtlsDone(SrtpKeys keys, Throwable err) {
        if (state != State.DTLS) {
            return;
        }
        if (err != null) {
            Throwable cause = err.getCause() != null && err instanceof java.util.concurrent.CompletionException
                    ? err.getCause() : err;
            fail(cause.getMessage() + " (server " + IceAgent.address(remote.candidate()) + ", expected fingerprint "
                    + remote.fingerprint() + ")", cause);
            return;
        }
        srtp = new SrtpSession(keys);
        state = State.CONNECTED;
        log.debug("media {}: connected to {} ({})", label, remote.candidate(), keys.profile());
        for (TransportHandler h : handlers) {
            h.onConnected();
        }
        connected.complete(this);
    }

    private void fail(String reason, Throwable cause) {
        MediaException e = new MediaException("media " + label + ": " + reason, cause);
        log.debug("media {}: {}", label, reason);
        connected.completeExceptionally(e);
        close(reason);
    }

    /** Closes the transport (close_notify to the server, then the socket); idempotent, from any thread. */
    @Override
    public void close() {
        if (loop.inEventLoop()) {
            close("closed locally");
        } else {
            loop.execute(() -> close("closed locally"));
        }
    }

    private void close(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (ice != null) {
            ice.close();
        }
        connected.completeExceptionally(new MediaException("media " + label + ": closed before connecting: " + reason));
        try {
            for (TransportHandler h : handlers) {
                try {
                    h.onClosed(reason);
                } catch (RuntimeException e) {
                    log.warn("media {}: a stream's close handler failed", label, e);
                }
            }
        } finally {
            closed.complete(reason);
            if (dtls == null) {
                channel.close();
            } else {
                dtls.close();
                dtls.closed().completeOnTimeout(DtlsEndpoint.CloseReason.LOCAL, CLOSE_GRACE_MILLIS,
                        TimeUnit.MILLISECONDS).whenComplete((r, e) -> channel.close());
            }
        }
    }

    // ---- sending, on the event loop ----

    ByteBuf allocate(int capacity) {
        return channel.alloc().buffer(capacity + SRTP_OVERHEAD);
    }

    /**
     * Protects an RTP packet in place. On anything but OK the buffer has been released; on OK the caller
     * passes it to {@link #write}. Null when the transport is not connected (the buffer is released).
     */
    SrtpStatus protectRtp(ByteBuf plain) {
        return protect(plain, false);
    }

    /** Writes the packets as one compound RTCP packet, protects and sends it. */
    SrtpStatus sendRtcp(List<? extends RtcpPacket> packets) {
        ByteBuf buf = allocate(256);
        try {
            RtcpCodec.writeCompound(buf, packets);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        SrtpStatus status = protect(buf, true);
        if (status == SrtpStatus.OK) {
            write(buf);
        }
        return status;
    }

    private SrtpStatus protect(ByteBuf buf, boolean rtcp) {
        if (state != State.CONNECTED) {
            buf.release();
            return null;
        }
        buf.ensureWritable(SRTP_OVERHEAD);
        SrtpStatus status = rtcp ? srtp.protectRtcp(buf) : srtp.protectRtp(buf);
        if (status != SrtpStatus.OK) {
            buf.release();
            srtpFailures.incrementAndGet();
        }
        return status;
    }

    /** Sends a protected packet to the server's candidate; takes ownership of {@code buf}. */
    void write(ByteBuf buf) {
        channel.writeAndFlush(new DatagramPacket(buf, remote.candidate()), channel.voidPromise());
    }

    /** Sends an already protected packet again (a NACKed one). */
    void sendProtected(byte[] packet) {
        if (state == State.CONNECTED) {
            channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(packet), remote.candidate()),
                    channel.voidPromise());
        }
    }

    // ---- receiving, on the event loop ----

    private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            onDatagram(packet.content(), packet.sender());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("media {}: socket error", label, cause);
        }
    }

    private void onDatagram(ByteBuf buf, InetSocketAddress sender) {
        RemoteDescription r = remote;
        if (r == null || state == State.CLOSED) {
            datagramsDropped.incrementAndGet();
            return;
        }
        MediaDemux.Kind kind = MediaDemux.classify(buf);
        if (kind == MediaDemux.Kind.STUN) {
            Parsed<StunMessage> m = StunMessage.parse(buf);
            if (m.isOk()) {
                ice.onStun(m.value(), sender);
            } else {
                datagramsDropped.incrementAndGet();
            }
            return;
        }
        if (!sender.equals(r.candidate())) {
            datagramsDropped.incrementAndGet(); // media only from the address we checked
            return;
        }
        switch (kind) {
            case DTLS -> {
                if (dtls != null) {
                    dtls.offer(buf);
                }
            }
            case RTP -> {
                if (srtp == null || srtp.unprotectRtp(buf) != SrtpStatus.OK) {
                    srtpFailures.incrementAndGet();
                } else if (rtpView.wrap(buf) == RtpPacket.Status.OK) {
                    for (TransportHandler h : handlers) {
                        h.onRtp(rtpView);
                    }
                } else {
                    datagramsDropped.incrementAndGet();
                }
            }
            case RTCP -> {
                if (srtp == null || srtp.unprotectRtcp(buf) != SrtpStatus.OK) {
                    srtpFailures.incrementAndGet();
                    return;
                }
                Parsed<List<RtcpPacket>> p = RtcpCodec.parse(buf);
                if (p.isOk()) {
                    for (TransportHandler h : handlers) {
                        h.onRtcp(p.value());
                    }
                } else {
                    datagramsDropped.incrementAndGet();
                }
            }
            default -> datagramsDropped.incrementAndGet();
        }
    }

    // ---- accessors ----

    public State state() {
        return state;
    }

    /** Completes with the reason once the transport is closed (locally, by failure, or by the server). */
    public CompletableFuture<String> closed() {
        return closed;
    }

    /** The bound local address of the UDP socket. */
    public InetSocketAddress localAddress() {
        return channel.localAddress();
    }

    /** The answer as applied, or null before {@link #connect}. */
    public RemoteDescription remote() {
        return remote;
    }

    /** The SSRC our offer announces (publisher: the media SSRC; player: the sender SSRC of RTCP). */
    public long localSsrc() {
        return local.ssrc();
    }

    public String cname() {
        return local.cname();
    }

    /** Packets that did not authenticate (or could not be protected). */
    /** The SRTP profile DTLS negotiated, or null before the handshake. */
    public io.parley.media.srtp.SrtpProfile srtpProfile() {
        SrtpSession s = srtp;
        return s == null ? null : s.profile();
    }

    public long srtpFailures() {
        return srtpFailures.get();
    }

    /** Datagrams ignored: from another address, unclassifiable, malformed, or before connect. */
    public long datagramsDropped() {
        return datagramsDropped.get();
    }

    EventLoop eventLoop() {
        return loop;
    }

    MediaConfig config() {
        return config;
    }

    String label() {
        return label;
    }

    @Override
    public String toString() {
        return "MediaTransport[" + label + ", " + state + ", " + localAddress() + " -> "
                + (remote == null ? "?" : remote.candidate()) + "]";
    }
}
