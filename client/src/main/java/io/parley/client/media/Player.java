package io.parley.client.media;

import io.netty.buffer.ByteBufUtil;
import io.parley.media.rtp.ReceptionStats;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.media.srtp.SrtpStatus;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one stream over a {@link MediaTransport}: decrypts each RTP packet and hands a copy to the
 * {@link PacketListener} on the transport's event loop, keeps RFC 3550 reception statistics, and sends a
 * receiver report (with LSR/DLSR so the server can measure the round trip) every {@code rtcpInterval}.
 * {@link #sendNack} and {@link #sendPli} send feedback on demand.
 *
 * <p>Lifecycle: new → connected → closed; closed is final. Methods may be called from any thread.
 */
public final class Player implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Player.class);

    /**
     * What this player has received: totals since it connected.
     *
     * @param highestSequence extended highest sequence number (cycles × 65536 + seq), -1 before the first packet
     * @param jitter          interarrival jitter in milliseconds
     */
    public record Stats(long packetsReceived, long packetsLost, long bytesReceived, long highestSequence,
            double jitter, long senderReports, long receiverReports, long srtpFailures) {
    }

    private final String streamID;
    private final MediaTransport transport;
    private final PacketListener listener;
    private final ReceptionStats reception = new ReceptionStats(Sdp.OPUS_CLOCK_RATE);
    private volatile long mediaSsrc = -1;
    private volatile long receiverReports;
    private final CompletableFuture<String> bye = new CompletableFuture<>();
    /** How long a removed bundled stream still listens for the server's BYE. */
    private static final long BYE_GRACE_MILLIS = 5_000;
    private ScheduledFuture<?> rtcpTimer;

    private final long ssrc;
    private final String cname;
    /** Its m= section of a bundled answer (null: the transport's own answer). */
    private volatile RemoteDescription remote;
    private final boolean bundled;
    private final Events events;
    private final CompletableFuture<String> closed;
    private volatile boolean removed;

    private Player(String streamID, MediaTransport transport, PacketListener listener) {
        this(streamID, transport, listener, transport.localSsrc(), transport.cname(), false);
    }

    /** A stream of a {@link MediaSession}: its own SSRC and CNAME on the session's transport. */
    Player(String streamID, MediaTransport transport, PacketListener listener, long ssrc, String cname,
           boolean bundled) {
        this.streamID = streamID;
        this.transport = transport;
        this.ssrc = ssrc;
        this.cname = cname;
        this.bundled = bundled;
        this.closed = bundled ? new CompletableFuture<>() : transport.closed();
        if (bundled) {
            transport.closed().thenAccept(closed::complete);
        }
        this.listener = Objects.requireNonNull(listener, "listener");
        this.events = new Events();
        transport.handler(events);
    }

    /** Binds the socket and prepares the (recvonly) offer; then send {@link #offer()} and {@link #connect}. */
    public static CompletableFuture<Player> create(String streamID, MediaConfig config, PacketListener listener) {
        return MediaTransport.open(Sdp.Direction.RECVONLY, config, streamID)
                .thenApply(t -> new Player(streamID, t, listener));
    }

    public String offer() {
        return transport.offer();
    }

    /** ICE, then DTLS; completes on the event loop when packets can flow. See {@link MediaTransport#connect}. */
    public CompletableFuture<Player> connect(String answerSdp) {
        return transport.connect(answerSdp).thenApply(t -> {
            long announced = t.remote().remoteSsrc();
            if (mediaSsrc < 0 && announced >= 0) {
                mediaSsrc = announced;
            }
            return this;
        });
    }

    /** Asks the server to resend these sequence numbers (generic NACK). False when not connected. */
    public boolean sendNack(int... sequenceNumbers) {
        if (sequenceNumbers.length == 0) {
            throw new IllegalArgumentException("sequenceNumbers: none (expected: at least one)");
        }
        int[] seqs = sequenceNumbers.clone();
        return onLoop(() -> transport.sendRtcp(List.of(RtcpPacket.Nack.of(ssrc, mediaSsrc(), seqs))));
    }

    /** Sends a Picture Loss Indication (the server passes it on to the publisher). False when not connected. */
    public boolean sendPli() {
        return onLoop(() -> transport.sendRtcp(List.of(new RtcpPacket.Pli(ssrc, mediaSsrc()))));
    }

    private boolean onLoop(Runnable task) {
        if (transport.state() != MediaTransport.State.CONNECTED) {
            return false;
        }
        if (transport.eventLoop().inEventLoop()) {
            task.run();
        } else {
            transport.eventLoop().execute(task);
        }
        return true;
    }

    /** The SSRC the server sends (from the answer, else from the first packet), or 0 if neither is known. */
    public long mediaSsrc() {
        long s = mediaSsrc;
        return s < 0 ? 0 : s;
    }

    private final class Events extends TransportHandler {
        @Override
        void onConnected() {
            long interval = transport.config().rtcpInterval().toNanos();
            rtcpTimer = transport.eventLoop().scheduleAtFixedRate(Player.this::sendReport, interval, interval,
                    TimeUnit.NANOSECONDS);
        }

        @Override
        void onRtp(RtpPacket p) {
            if (bundled && (removed || p.ssrc() != mediaSsrc)) {
                return; // another stream of the session's transport
            }
            long now = System.nanoTime();
            if (mediaSsrc < 0) {
                mediaSsrc = p.ssrc();
            }
            reception.onPacket(p.sequenceNumber(), p.timestamp(), p.payloadLength(), now);
            int levelId = remote().audioLevelId();
            ReceivedPacket packet = new ReceivedPacket(p.sequenceNumber(), p.timestamp(), p.ssrc(),
                    p.payloadType(), p.marker(), levelId == 0 ? -1 : p.audioLevel(levelId),
                    levelId != 0 && p.voiceActivity(levelId),
                    ByteBufUtil.getBytes(p.buffer(), p.offset() + p.payloadOffset(), p.payloadLength()),
                    p.hasExtension() ? p.extensionElements() : Map.of());
            try {
                listener.onPacket(packet);
            } catch (RuntimeException e) {
                log.warn("stream {}: packet listener failed", streamID, e);
            }
        }

        @Override
        void onRtcp(List<RtcpPacket> packets) {
                for (RtcpPacket p : packets) {
                if (p instanceof RtcpPacket.SenderReport sr && (!bundled || sr.ssrc() == mediaSsrc)) {
                    reception.onSenderReport(sr.ntpTime(), System.nanoTime());
                } else if (p instanceof RtcpPacket.Bye b && mediaSsrc >= 0 && b.ssrcs().contains(mediaSsrc)) {
                    bye.complete(b.reason() == null ? "" : b.reason());
                    if (removed) {
                        detach();
                    }
                }
            }
        }

        @Override
        void onClosed(String reason) {
            if (rtcpTimer != null) {
                rtcpTimer.cancel(false);
            }
        }
    }

    private void sendReport() {
        List<RtcpPacket.ReportBlock> blocks = new ArrayList<>(1);
        RtcpPacket.ReportBlock block = reception.reportBlock(mediaSsrc(), System.nanoTime());
        if (block != null) {
            blocks.add(block);
        }
        RtcpPacket.ReceiverReport rr = new RtcpPacket.ReceiverReport(ssrc, blocks);
        RtcpPacket.SourceDescription sdes = new RtcpPacket.SourceDescription(
                List.of(new RtcpPacket.SdesChunk(ssrc, cname)));
        if (transport.sendRtcp(List.of(rr, sdes)) == SrtpStatus.OK) {
            receiverReports++;
        }
    }

    public Stats stats() {
        long highest = reception.received() == 0 ? -1 : reception.extendedHighest();
        return new Stats(reception.received(), reception.lost(), reception.bytes(), highest,
                reception.jitterMillis(), reception.senderReports(), receiverReports, transport.srtpFailures());
    }

    public String streamID() {
        return streamID;
    }

    public MediaTransport transport() {
        return transport;
    }

    public boolean isConnected() {
        return transport.state() == MediaTransport.State.CONNECTED && !removed;
    }

    /** What the answer says for this stream: its own m= section when bundled, else the transport's answer. */
    RemoteDescription remote() {
        RemoteDescription r = remote;
        return r != null ? r : transport.remote();
    }

    /** A bundled stream's section of the session's answer (set before its media flows). */
    void remote(RemoteDescription r) {
        remote = r;
        if (r.remoteSsrc() >= 0) {
            mediaSsrc = r.remoteSsrc();
        }
    }

    /** Whether it shares a {@link MediaSession}'s transport with the session's other streams. */
    public boolean isBundled() {
        return bundled;
    }

    /** Completes with the reason when the transport closes (or, bundled, when the stream is removed from it). */
    public CompletableFuture<String> closed() {
        return closed;
    }

    /**
     * Completes with its reason text ("" when none) when the server sends an RTCP BYE for the stream's SSRC: the
     * stream ended (the server sends it before closing the transport when the publisher stops).
     */
    public CompletableFuture<String> bye() {
        return bye;
    }

    /**
     * Closes its transport; a bundled stream only leaves the session's transport here (the session renegotiates
     * without it, see {@link MediaSession#remove}).
     */
    /** A removed bundled stream stops hearing the transport (on its loop; idempotent). */
    private void detach() {
        if (transport.removeHandler(events)) {
            events.onClosed("removed from the session transport");
        }
    }

    @Override
    public void close() {
        if (!bundled) {
            transport.close();
            return;
        }
        if (removed) {
            return;
        }
        removed = true;
        closed.complete("removed from the session transport");
        // No more RTP reaches the listener; RTCP does a while longer, until the server's BYE for the stream (it
        // sends one when it ends a stream, and that datagram may be read after the NO_PLAY push that closed it).
        transport.eventLoop().schedule(this::detach, BYE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
}
