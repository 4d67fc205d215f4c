package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.parley.media.dtls.DtlsEndpoint;
import io.parley.media.dtls.DtlsFingerprint;
import io.parley.media.dtls.DtlsHandshakeException;
import io.parley.media.dtls.DtlsRole;
import io.parley.media.srtp.SrtpSession;
import io.parley.media.srtp.SrtpStatus;
import io.parley.protocol.media.RtcpCodec;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.StunMessage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebRTC media path (ICE-lite + DTLS + SRTP) of one Producer or Consumer, or of a client's bundled streams
 * ({@link SessionTransport}) (the client SDK's counterpart is
 * {@code io.parley.client.media.MediaTransport}). Lifecycle: waiting (for an ICE check)
 * → checked (address latched, DTLS running) → connected (SRTP keys) → closed; closed is final. Its owner's media loop
 * ({@link #shard}) only, except the DTLS sink, which writes datagrams from the handshake pool.
 */
final class WebRtcTransport {
    private static final Logger log = LoggerFactory.getLogger(WebRtcTransport.class);

    final MediaPlane plane;
    /** The media loop it lives on: its owner's. Every packet it sends leaves by this loop's sockets. */
    final MediaLoop shard;
    final String localUfrag;
    final String localPwd;
    final byte[] stunKey;
    final DtlsFingerprint remoteFingerprint;
    final TransportOwner owner;
    final long createdNanos;
    /** The latched peer address (the check's source); with {@link #path} set together by {@link MediaPlane#latch}. */
    volatile InetSocketAddress address;
    /** Where packets go: a UDP socket and {@link #address}, or an ICE-TCP connection; null until a check latches one. */
    volatile MediaPath path;
    private DtlsEndpoint dtls;
    volatile SrtpSession srtp;
    long lastHeardNanos;
    boolean closed;
    /** Where the handshake's admission slot was counted; null when it holds none (media loop only). */
    InetAddress admittedFrom;
    private boolean refusalLogged;
    /** TWCC feedback to the sender, when it negotiated the transport-wide sequence number; else null. */
    TransportCcFeedback transportCc;
    /** Which tick of the TWCC feedback period this transport's feedback falls on (its loop only). */
    int tickPhase;
    /** Whether the peer accepts reduced-size RTCP (RFC 5506): then feedback goes alone, else after an empty RR. */
    boolean reducedSizeRtcp;

    WebRtcTransport(MediaPlane plane, String localUfrag, String localPwd, DtlsFingerprint remoteFingerprint,
                   TransportOwner owner, long nowNanos) {
        this.plane = plane;
        this.localUfrag = localUfrag;
        this.localPwd = localPwd;
        this.stunKey = StunMessage.shortTermKey(localPwd);
        this.remoteFingerprint = remoteFingerprint;
        this.owner = owner;
        this.shard = owner.shard();
        this.createdNanos = nowNanos;
        this.lastHeardNanos = nowNanos;
    }

    /**
     * A verified ICE check that came by {@code via}: latch it (first check or a nominated one, so that the path the
     * client nominates, UDP where it works, wins); DTLS starts at its first datagram.
     */
    void checked(MediaPath via, boolean nominated, long nowNanos) {
        lastHeardNanos = nowNanos;
        if (path == null || (nominated && !via.equals(path))) {
            plane.latch(this, via);
        }
    }

    /** A newer transport took {@code remote} (the client reused its socket): stop sending there; this loop. */
    void lostAddress(InetSocketAddress remote) {
        MediaPath p = path;
        if (p != null && !p.isTcp() && p.remote().equals(remote)) {
            address = null;
            path = null;
        }
    }

    /** The path in use went away (its ICE-TCP connection closed): once connected that ends this media path. */
    void pathClosed(String why) {
        path = null;
        address = null;
        if (srtp != null && !closed) {
            fail(why);
        }
    }

    /**
     * Starts DTLS at the peer's first DTLS datagram (we are passive: the client speaks first), not at the ICE check, so
     * a peer that only sends checks holds no handshake thread; false if the admission limits refuse it now.
     */
    private boolean startDtls(InetSocketAddress from) {
        String refused = plane.dtlsAdmission().admit(this, from.getAddress(), plane.counters());
        if (refused != null) {
            if (!refusalLogged) {
                refusalLogged = true;
                log.info("DTLS handshake of {} ({}) deferred: {}", this, owner, refused);
            }
            return false;
        }
        dtls = new DtlsEndpoint(DtlsRole.SERVER, plane.certificate(), remoteFingerprint, plane.dtlsSettings(),
                plane.dtlsPool(), this::sendDtls);
        dtls.handshake().whenComplete((keys, err) -> {
            if (err == null) {
                // Installed at once (not after the hop) so media the peer sends right after its Finished is kept.
                srtp = new SrtpSession(keys);
            }
            shard.execute(() -> {
                plane.dtlsAdmission().release(this);
                if (closed) {
                    return;
                }
                if (err != null) {
                    String why = err instanceof DtlsHandshakeException ? err.getMessage() : String.valueOf(err);
                    log.info("DTLS failed for {}: {}", owner, why);
                    fail("DTLS handshake failed: " + why);
                }
            });
        });
        dtls.closed().thenAccept(reason -> shard.execute(() -> {
            if (closed) {
                return;
            }
            if (reason == DtlsEndpoint.CloseReason.PEER_CLOSE_NOTIFY) {
                // The peer closed its PeerConnection: an orderly end of this media path, not a failure.
                owner.peerClosed();
            } else if (reason == DtlsEndpoint.CloseReason.PEER_FATAL_ALERT) {
                fail("the peer sent a fatal DTLS alert");
            }
        }));
        dtls.start();
        return true;
    }

    /** The admission took this handshake's slot for another App: abort it and fail the media path. */
    void preempted(String why) {
        log.info("{} of {}: {}", this, owner, why);
        fail(why);
    }

    private void sendDtls(byte[] datagram) {
        MediaPath to = path;
        if (to != null) {
            to.writeAndFlush(Unpooled.wrappedBuffer(datagram));
        }
    }

    void onDtls(ByteBuf datagram, long nowNanos) {
        if (closed) {
            return;
        }
        if (dtls == null && !startDtls(address)) {
            plane.counters().drop(DropReason.DTLS_BUSY);
            return;
        }
        lastHeardNanos = nowNanos;
        dtls.offer(datagram);
    }

    void onRtp(ByteBuf packet, long nowNanos) {
        if (srtp == null) {
            plane.counters().drop(DropReason.NOT_CONNECTED);
            return;
        }
        if (!owner.acceptsRtpFrom(packet)) {
            plane.counters().drop(DropReason.UNKNOWN_SSRC);
            return;
        }
        SrtpStatus st = srtp.unprotectRtp(packet);
        if (st != SrtpStatus.OK) {
            plane.counters().drop(st == SrtpStatus.TOO_SHORT || st == SrtpStatus.MALFORMED
                    ? DropReason.MALFORMED : DropReason.SRTP_AUTH_FAILED);
            return;
        }
        lastHeardNanos = nowNanos;
        if (transportCc != null && transportCc.onRtp(packet, nowNanos)) {
            sendTransportCc(); // on bounds: enough unreported that waiting for the next tick would overflow a feedback
        }
        owner.onRtp(packet, nowNanos);
    }

    void onRtcp(ByteBuf packet, long nowNanos) {
        if (srtp == null) {
            plane.counters().drop(DropReason.NOT_CONNECTED);
            return;
        }
        SrtpStatus st = srtp.unprotectRtcp(packet);
        if (st != SrtpStatus.OK) {
            plane.counters().drop(st == SrtpStatus.TOO_SHORT || st == SrtpStatus.MALFORMED
                    ? DropReason.MALFORMED : DropReason.SRTP_AUTH_FAILED);
            return;
        }
        Parsed<List<RtcpPacket>> parsed = RtcpCodec.parse(packet);
        if (!parsed.isOk()) {
            plane.counters().drop(DropReason.MALFORMED);
            return;
        }
        lastHeardNanos = nowNanos;
        for (RtcpPacket p : parsed.value()) {
            owner.onRtcp(p, nowNanos);
        }
    }

    /** Protects a plaintext RTP packet (ownership passes here) and queues it; the caller flushes. */
    void writeRtp(ByteBuf plain) {
        MediaPath to = path;
        if (srtp == null || to == null || closed) {
            plain.release();
            return;
        }
        if (srtp.protectRtp(plain) != SrtpStatus.OK) {
            plain.release();
            return;
        }
        plane.counters().rtpPacketsOut.increment();
        plane.counters().rtpBytesOut.add(plain.readableBytes());
        to.write(plain);
    }

    void sendRtcp(List<? extends RtcpPacket> packets) {
        MediaPath to = path;
        if (srtp == null || to == null || closed) {
            return;
        }
        ByteBuf out = shard.alloc().buffer(256);
        RtcpCodec.writeCompound(out, packets);
        if (srtp.protectRtcp(out) != SrtpStatus.OK) {
            out.release();
            return;
        }
        plane.counters().rtcpPacketsOut.increment();
        plane.counters().rtcpBytesOut.add(out.readableBytes());
        to.writeAndFlush(out);
    }

    /** Sends TWCC feedback for every packet not yet reported (the media plane calls it each tick); the caller flushes. */
    void sendTransportCc() {
        MediaPath to = path;
        if (transportCc == null || srtp == null || to == null || closed) {
            return;
        }
        while (transportCc.pending()) {
            ByteBuf out = shard.alloc().buffer(1024);
            if (!reducedSizeRtcp) {
                // RFC 3550 compound: an empty receiver report first.
                RtcpCodec.writeCompound(out, List.of(new RtcpPacket.ReceiverReport(transportCc.senderSsrc(), List.of())));
            }
            transportCc.write(out);
            if (srtp.protectRtcp(out) != SrtpStatus.OK) {
                out.release();
                return;
            }
            plane.counters().rtcpPacketsOut.increment();
            plane.counters().rtcpBytesOut.add(out.readableBytes());
            plane.counters().transportCcFeedback.increment();
            to.write(out);
        }
    }

    boolean connected() {
        return srtp != null && !closed;
    }

    /** Timeouts: no check or no DTLS within iceTimeout of creation, or silence past it once connected. */
    void check(long nowNanos, long timeoutNanos) {
        if (closed) {
            return;
        }
        if (srtp == null && nowNanos - createdNanos > timeoutNanos) {
            fail(address == null ? noIceCheck(timeoutNanos) : "no DTLS handshake within " + timeoutNanos / 1_000_000 + " ms");
        } else if (srtp != null && nowNanos - lastHeardNanos > timeoutNanos) {
            fail("the peer stopped answering (consent lost after " + timeoutNanos / 1_000_000 + " ms)");
        }
    }

    /** Names the address the client was told to reach (the answer's candidate), the likely culprit. */
    private String noIceCheck(long timeoutNanos) {
        String host = plane.announcedAddress();
        String at = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + plane.port();
        return "no ICE connectivity check within " + timeoutNanos / 1_000_000 + " ms at udp " + at
                + ", the address the client was told to reach: if the client cannot reach it (Docker, WSL, VPN, NAT),"
                + " set media.announcedAddress (PARLEY_MEDIA_ANNOUNCED_ADDRESS) to one it can, and let UDP "
                + plane.port() + " through";
    }

    private void fail(String why) {
        owner.transportFailed(why);
    }

    /** Frees everything; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        plane.dtlsAdmission().release(this);
        plane.unregister(this);
        if (dtls != null) {
            dtls.close();
        }
    }

    @Override
    public String toString() {
        MediaPath p = path;
        return "transport " + localUfrag + (p == null ? "" : " @" + p);
    }
}
