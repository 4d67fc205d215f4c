package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.parley.protocol.media.MediaDemux;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import java.net.InetSocketAddress;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media plane's receive side: each loop's UDP sockets and the ICE-TCP connections hand what they read here.
 * STUN is checked on the reading loop; everything else goes to the transport latched to its source (or bound to its
 * connection), on the transport's own loop: at once when that is the reading loop, else handed over as the buffer it
 * came in (retained, no copy).
 */
final class MediaInbound {
    private static final Logger log = LoggerFactory.getLogger(MediaInbound.class);

    private static final long SOCKET_ERROR_LOG_NANOS = 10_000_000_000L;

    private final MediaPlane plane;

    MediaInbound(MediaPlane plane) {
        this.plane = plane;
    }

    ChannelHandler receiver(MediaLoop loop) {
        return new Receiver(loop);
    }


    /** One per loop: reads that loop's UDP sockets (one per bound address). */
    @ChannelHandler.Sharable
    private final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
        private final MediaLoop here;
        /** Where the last datagram's bytes were (direct buffers), to tell a recvmmsg batch; this loop only. */
        private long lastAddress = Long.MIN_VALUE / 2;
        /** When this loop last logged a socket error, and how many it did not log since; this loop only. */
        private long lastErrorLog = System.nanoTime() - SOCKET_ERROR_LOG_NANOS;
        private long suppressedErrors;

        Receiver(MediaLoop here) {
            this.here = here;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            Predicate<InetSocketAddress> blocked = plane.udpFirewall();
            if (blocked != null && blocked.test(packet.sender())) {
                return;
            }
            ByteBuf content = packet.content();
            if (content.hasMemoryAddress()) {
                // recvmmsg puts a batch's datagrams in consecutive MAX_DATAGRAM slots of one receive buffer; a fresh
                // buffer (page-aligned, READ_BATCH slots) never starts one slot after the last datagram's.
                long address = content.memoryAddress();
                if (address == lastAddress + MediaPlane.MAX_DATAGRAM) {
                    plane.counters().batchedDatagrams.increment();
                }
                lastAddress = address;
            }
            onDatagram(here, ctx.channel(), content, packet.sender(), plane.clock().nanoTime());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            here.flush(); // forwarding may have written to the other family's socket too
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Sends use void promises, so every failed send lands here: count each, log at most one per
            // SOCKET_ERROR_LOG_NANOS per loop (a peer whose address became unreachable fails 50 sends a second).
            plane.counters().socketErrors.increment();
            long now = System.nanoTime();
            if (now - lastErrorLog >= SOCKET_ERROR_LOG_NANOS) {
                long since = suppressedErrors;
                suppressedErrors = 0;
                lastErrorLog = now;
                log.warn("media socket error on {}: {}{}", here, cause.toString(),
                        since == 0 ? "" : " (" + since + " more since the last report; parley_media_socket_errors_total)");
            } else {
                suppressedErrors++;
            }
        }
    }

    /**
     * One datagram read by {@code here}'s {@code socket} (the caller keeps ownership of {@code buf}): STUN is checked
     * here, the rest goes to the transport latched to {@code from}, on its own loop.
     */
    void onDatagram(MediaLoop here, Channel socket, ByteBuf buf, InetSocketAddress from, long now) {
        MediaDemux.Kind kind = MediaDemux.classify(buf);
        if (kind == MediaDemux.Kind.STUN) {
            onStun(here, buf, MediaPath.udp(socket, from), here.socketIndex(socket), now);
            return;
        }
        if (kind == MediaDemux.Kind.UNKNOWN) {
            plane.counters().drop(DropReason.MALFORMED);
            return;
        }
        WebRtcTransport t = plane.byAddress(from);
        if (t == null) {
            plane.counters().drop(DropReason.UNKNOWN_ADDRESS);
            return;
        }
        deliver(here, t, kind, buf, now);
    }

    /**
     * One RFC 4571 frame from an ICE-TCP connection (on its loop): demultiplexed like a datagram, except that the
     * connection, not the source address, names the transport, and that anything but a valid ICE check first closes it.
     */
    void onTcpFrame(IceTcpConnection conn, ByteBuf buf, long now) {
        MediaLoop here = plane.firstLoop();
        MediaDemux.Kind kind = MediaDemux.classify(buf);
        if (kind == MediaDemux.Kind.STUN) {
            onStun(here, buf, conn.path(), 0, now);
            return;
        }
        WebRtcTransport t = conn.transport;
        if (t == null) {
            plane.counters().drop(kind == MediaDemux.Kind.UNKNOWN ? DropReason.MALFORMED : DropReason.UNKNOWN_ADDRESS);
            conn.close(IceTcpCounters.Close.NOT_ICE);
            return;
        }
        if (kind == MediaDemux.Kind.UNKNOWN) {
            plane.counters().drop(DropReason.MALFORMED);
            return;
        }
        deliver(here, t, kind, buf, now);
    }

    /** Runs {@code t}'s demux here if it lives here, else hands {@code buf} (retained, not copied) to its loop. */
    private void deliver(MediaLoop here, WebRtcTransport t, MediaDemux.Kind kind, ByteBuf buf, long now) {
        MediaLoop owner = t.shard;
        if (owner == here) {
            dispatch(t, kind, buf, now);
            return;
        }
        plane.counters().handedOver.increment();
        buf.retain();
        boolean queued = owner.execute(() -> {
            try {
                if (!t.closed) {
                    dispatch(t, kind, buf, now);
                }
            } finally {
                buf.release();
            }
            owner.flushSoon();
        });
        if (!queued) {
            buf.release();
        }
    }

    private void dispatch(WebRtcTransport t, MediaDemux.Kind kind, ByteBuf buf, long now) {
        switch (kind) {
            case DTLS -> t.onDtls(buf, now);
            case RTP -> t.onRtp(buf, now);
            case RTCP -> {
                plane.counters().rtcpPacketsIn.increment();
                plane.counters().rtcpBytesIn.add(buf.readableBytes());
                t.onRtcp(buf, now);
            }
            default -> plane.counters().drop(DropReason.MALFORMED);
        }
    }

    /**
     * A STUN message read by {@code here} (the loop of the socket or connection it came by): checked here, errors
     * answered here; a valid check is answered and latched on the transport's own loop, from that loop's socket for
     * the same bound address ({@code socketIndex}).
     */
    private void onStun(MediaLoop here, ByteBuf buf, MediaPath via, int socketIndex, long now) {
        InetSocketAddress from = via.remote();
        Parsed<StunMessage> parsed = StunMessage.parse(buf);
        if (!parsed.isOk()) {
            plane.counters().drop(DropReason.MALFORMED);
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
        WebRtcTransport t = colon <= 0 ? null : plane.byUfrag(username.substring(0, colon));
        if (t == null) {
            // Silence: a port that answers any binding request is a reflector for spoofed sources.
            plane.counters().drop(DropReason.STUN_UNKNOWN_USERNAME);
            notIce(via);
            return;
        }
        if (!msg.hasMessageIntegrity()) {
            plane.counters().drop(DropReason.STUN_BAD_INTEGRITY);
            replyError(here, msg, StunEncoder.BAD_REQUEST, "missing MESSAGE-INTEGRITY", via, now);
            return;
        }
        if (!msg.checkIntegrity(t.stunKey) || (msg.hasFingerprint() && !msg.checkFingerprint())) {
            plane.counters().drop(DropReason.STUN_BAD_INTEGRITY);
            replyError(here, msg, StunEncoder.UNAUTHORIZED, "bad integrity", via, now);
            return;
        }
        byte[] success = StunEncoder.bindingSuccess(msg.transactionId(), from, t.stunKey);
        boolean nominated = msg.useCandidate();
        if (via.isTcp()) {
            via.tcp().checked(t);
        }
        MediaLoop owner = t.shard;
        if (owner == here) {
            via.write(Unpooled.wrappedBuffer(success));
            t.checked(via, nominated, now);
            return;
        }
        plane.counters().handedOver.increment();
        MediaPath ownVia = via.isTcp() ? via : MediaPath.udp(owner.socket(socketIndex), from);
        owner.execute(() -> {
            if (t.closed) {
                return;
            }
            ownVia.write(Unpooled.wrappedBuffer(success));
            t.checked(ownVia, nominated, now);
            owner.flushSoon();
        });
    }

    /** A first frame on an ICE-TCP connection that is no valid check for a known transport closes it. */
    private static void notIce(MediaPath via) {
        if (via.isTcp() && via.tcp().transport == null) {
            via.tcp().close(IceTcpCounters.Close.NOT_ICE);
        }
    }

    /** A 400 or 401, within {@code media.stunErrorRepliesPerSecond} per source address; the rest are counted. */
    private void replyError(MediaLoop here, StunMessage msg, int code, String reason, MediaPath to, long now) {
        if (!plane.stunErrors().allow(to.remote().getAddress(), now)) {
            plane.counters().stunErrorRepliesLimited.increment();
            return;
        }
        plane.counters().stunErrorReplies.increment();
        to.write(Unpooled.wrappedBuffer(StunEncoder.bindingError(msg.transactionId(), code, reason, null)));
    }
}
