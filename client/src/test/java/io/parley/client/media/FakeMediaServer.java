package io.parley.client.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.parley.client.WsClient;
import io.parley.media.dtls.DtlsCertificate;
import io.parley.media.dtls.DtlsEndpoint;
import io.parley.media.dtls.DtlsFingerprint;
import io.parley.media.dtls.DtlsRole;
import io.parley.media.dtls.DtlsSettings;
import io.parley.media.srtp.SrtpSession;
import io.parley.media.srtp.SrtpStatus;
import io.parley.protocol.media.MediaDemux;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.RtcpCodec;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpNegotiator;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny stand-in for the server's media plane, built from the same blocks the server uses: ICE-lite (answers
 * checks, never sends its own unless asked), DTLS server, SRTP. One client transport at a time, real UDP on
 * 127.0.0.1. Records what it receives for the tests to check.
 */
final class FakeMediaServer implements AutoCloseable {
    static final DtlsCertificate CERT = DtlsCertificate.generate();
    static final DtlsCertificate OTHER_CERT = DtlsCertificate.generate();
    static final String UFRAG = "srvU";
    static final String PWD = "serverpasswordserverpwd1";
    static final long SSRC = 0x11223344L;
    private static final ExecutorService DTLS_POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-server-dtls");
        t.setDaemon(true);
        return t;
    });

    /** A packet as the server decrypted it. */
    record Rtp(int seq, long timestamp, long ssrc, int payloadType, boolean marker, int audioLevel, byte[] payload) {
    }

    final Queue<Rtp> rtp = new ConcurrentLinkedQueue<>();
    final Queue<RtcpPacket> rtcp = new ConcurrentLinkedQueue<>();
    final Queue<StunMessage> checks = new ConcurrentLinkedQueue<>();
    final Queue<StunMessage> responses = new ConcurrentLinkedQueue<>();
    final AtomicInteger srtpFailures = new AtomicInteger();
    /** Inbound RTP packets to drop before decryption (simulated loss). */
    final AtomicInteger dropRtp = new AtomicInteger();
    volatile boolean answerChecks = true;
    volatile boolean advertiseWrongFingerprint;
    volatile DtlsEndpoint dtls;

    private final NioDatagramChannel channel;
    private final EventLoop loop;
    private final RtpPacket view = new RtpPacket();
    private volatile InetSocketAddress client;
    private volatile SrtpSession srtp;
    private volatile SdpNegotiator.Accepted accepted;

    private FakeMediaServer(NioDatagramChannel channel, EventLoop loop) {
        this.channel = channel;
        this.loop = loop;
    }

    static FakeMediaServer start() {
        NioDatagramChannel ch = new NioDatagramChannel();
        EventLoop loop = (EventLoop) WsClient.group().next();
        FakeMediaServer s = new FakeMediaServer(ch, loop);
        ch.pipeline().addLast(s.new Inbound());
        loop.register(ch).syncUninterruptibly();
        ch.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly();
        return s;
    }

    int port() {
        return channel.localAddress().getPort();
    }

    /** Negotiates the offer like the server does, starts the DTLS server and returns the answer. */
    String answer(String offerSdp, SdpNegotiator.Purpose purpose) {
        SessionDescription offer = SessionDescription.parse(offerSdp);
        SdpNegotiator.Result result = SdpNegotiator.negotiate(offer, purpose);
        if (!(result instanceof SdpNegotiator.Accepted a)) {
            throw new IllegalArgumentException("offer refused: " + result);
        }
        accepted = a;
        DtlsFingerprint clientFp = DtlsFingerprint.parse(a.fingerprint().algorithm() + " " + a.fingerprint().value());
        dtls = new DtlsEndpoint(DtlsRole.SERVER, CERT, clientFp, DtlsSettings.DEFAULTS.withHandshakeTimeout(
                Duration.ofSeconds(10)), DTLS_POOL, bytes -> send(Unpooled.wrappedBuffer(bytes)));
        dtls.handshake().thenAccept(keys -> srtp = new SrtpSession(keys));
        dtls.start();
        DtlsCertificate advertised = advertiseWrongFingerprint ? OTHER_CERT : CERT;
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce(UFRAG, PWD,
                new Sdp.Fingerprint("sha-256", advertised.fingerprint().hex()));
        return SdpWriter.answer(offer, a, ice, "127.0.0.1", port(),
                new SdpWriter.LocalSource(SSRC, "fakeserver", "parley", "audio0"), 42);
    }

    SdpNegotiator.Accepted accepted() {
        return accepted;
    }

    boolean srtpReady() {
        return srtp != null;
    }

    /** Sends an RTP packet to the client, as the server forwards one to a player. */
    void sendRtp(int seq, long timestamp, byte[] payload, int audioLevel) {
        loop.execute(() -> {
            ByteBuf buf = channel.alloc().buffer(64 + payload.length);
            int levelId = accepted.extensions().getOrDefault(Sdp.AUDIO_LEVEL_URI, 0);
            RtpPacket.writeHeader(buf, accepted.payloadType(), false, seq, timestamp, SSRC, levelId, true, audioLevel);
            buf.writeBytes(payload);
            protectAndSend(buf, false);
        });
    }

    void sendRtcp(List<RtcpPacket> packets) {
        loop.execute(() -> {
            ByteBuf buf = channel.alloc().buffer(256);
            RtcpCodec.writeCompound(buf, packets);
            protectAndSend(buf, true);
        });
    }

    /** Sends a connectivity check to the client, as a full ICE agent would; the response lands in responses. */
    void sendCheck(String clientUfrag, String clientPwd) {
        byte[] check = StunEncoder.bindingRequest(StunEncoder.newTransactionId(), clientUfrag + ":" + UFRAG,
                IceAgent.PRFLX_PRIORITY, false, 7, false, StunMessage.shortTermKey(clientPwd));
        send(Unpooled.wrappedBuffer(check));
    }

    private void protectAndSend(ByteBuf buf, boolean rtcp) {
        buf.ensureWritable(32);
        SrtpStatus status = rtcp ? srtp.protectRtcp(buf) : srtp.protectRtp(buf);
        if (status != SrtpStatus.OK) {
            buf.release();
            throw new IllegalStateException("protect: " + status);
        }
        send(buf);
    }

    private void send(ByteBuf buf) {
        InetSocketAddress to = client;
        if (to == null) {
            buf.release();
            return;
        }
        channel.writeAndFlush(new DatagramPacket(buf, to));
    }

    private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ByteBuf buf = packet.content();
            switch (MediaDemux.classify(buf)) {
                case STUN -> onStun(buf, packet.sender());
                case DTLS -> {
                    if (dtls != null) {
                        dtls.offer(buf);
                    }
                }
                case RTP -> onRtp(buf);
                case RTCP -> onRtcp(buf);
                default -> { }
            }
        }
    }

    private void onStun(ByteBuf buf, InetSocketAddress sender) {
        Parsed<StunMessage> p = StunMessage.parse(buf);
        if (!p.isOk()) {
            return;
        }
        StunMessage m = p.value();
        if (!m.isBindingRequest()) {
            responses.add(m);
            return;
        }
        checks.add(m);
        if (!answerChecks) {
            return;
        }
        byte[] key = StunMessage.shortTermKey(PWD);
        if (m.username() == null || !m.username().startsWith(UFRAG + ":") || !m.checkIntegrity(key)) {
            channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(
                    StunEncoder.bindingError(m.transactionId(), StunEncoder.UNAUTHORIZED, null, null)), sender));
            return;
        }
        client = sender; // ICE-lite: the client's address is where its valid checks come from
        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(
                StunEncoder.bindingSuccess(m.transactionId(), sender, key)), sender));
    }

    private void onRtp(ByteBuf buf) {
        if (dropRtp.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return;
        }
        if (srtp == null || srtp.unprotectRtp(buf) != SrtpStatus.OK || view.wrap(buf) != RtpPacket.Status.OK) {
            srtpFailures.incrementAndGet();
            return;
        }
        int levelId = accepted.extensions().getOrDefault(Sdp.AUDIO_LEVEL_URI, 0);
        rtp.add(new Rtp(view.sequenceNumber(), view.timestamp(), view.ssrc(), view.payloadType(), view.marker(),
                view.audioLevel(levelId), ByteBufUtil.getBytes(view.payload())));
    }

    private void onRtcp(ByteBuf buf) {
        if (srtp == null || srtp.unprotectRtcp(buf) != SrtpStatus.OK) {
            srtpFailures.incrementAndGet();
            return;
        }
        Parsed<List<RtcpPacket>> p = RtcpCodec.parse(buf);
        if (p.isOk()) {
            rtcp.addAll(p.value());
        } else {
            srtpFailures.incrementAndGet();
        }
    }

    @Override
    public void close() {
        if (dtls != null) {
            dtls.close();
        }
        channel.close().syncUninterruptibly();
    }
}
