package io.parley.client.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.parley.media.srtp.SrtpStatus;
import io.parley.protocol.media.NtpTime;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends one Opus stream over a {@link MediaTransport}: stamps RTP sequence numbers, timestamps (+960 per 20 ms
 * frame at 48 kHz), the RFC 6464 audio level and, when the answer kept {@code sdes:mid}, the mid (as browsers do),
 * protects with SRTP, sends a sender report every
 * {@code rtcpInterval}, and answers the server's NACKs from the last {@code nackCacheSize} packets.
 *
 * <p>Lifecycle: new → connected → closed; closed is final. {@code send*} may be called from any thread; the
 * packets are stamped and sent on the transport's event loop in call order.
 */
public final class Publisher implements AutoCloseable {
    /** 20 ms of Opus at 48 kHz. */
    public static final int SAMPLES_PER_FRAME = 960;
    private static final int CLOCK_RATE = Sdp.OPUS_CLOCK_RATE;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * What this publisher has sent and heard back; {@code rtt} is -1 until a receiver report carries LSR.
     *
     * @param fractionLost the last receiver report's loss fraction, in 1/256
     */
    public record Stats(long packetsSent, long bytesSent, long senderReports, long nacksReceived,
            long packetsRetransmitted, long keyFrameRequests, long receiverReports, int fractionLost, long rtt) {
    }

    private final String streamID;
    private final MediaTransport transport;
    private final byte[][] cache;
    private final int[] cacheSeq;
    private final int cacheMask;

    // written on the event loop only; volatile so stats() may read them anywhere
    private volatile int audioLevel = 30;
    private volatile boolean voice = true;
    private int nextSeq = RANDOM.nextInt(0x10000);
    private long nextTimestamp = RANDOM.nextInt() & 0xFFFFFFFFL;
    private long lastTimestamp = -1;
    private long lastSendNanos;
    private boolean first = true;
    private volatile long packetsSent;
    private volatile long bytesSent;
    private volatile long senderReports;
    private volatile long nacksReceived;
    private volatile long retransmitted;
    private volatile long keyFrameRequests;
    private volatile long receiverReports;
    private volatile int fractionLost;
    private volatile long rtt = -1;
    private ScheduledFuture<?> rtcpTimer;

    private final long ssrc;
    private final String cname;
    /** Its m= section of a bundled answer (null: the transport's own answer). */
    private volatile RemoteDescription remote;
    private final boolean bundled;
    private final Events events;
    private final CompletableFuture<String> closed;
    private volatile boolean removed;

    private Publisher(String streamID, MediaTransport transport) {
        this(streamID, transport, transport.localSsrc(), transport.cname(), false);
    }

    /** A stream of a {@link MediaSession}: its own SSRC and CNAME on the session's transport. */
    Publisher(String streamID, MediaTransport transport, long ssrc, String cname, boolean bundled) {
        this.streamID = streamID;
        this.transport = transport;
        this.ssrc = ssrc;
        this.cname = cname;
        this.bundled = bundled;
        this.closed = bundled ? new CompletableFuture<>() : transport.closed();
        if (bundled) {
            transport.closed().thenAccept(closed::complete);
        }
        int size = Integer.highestOneBit(Math.max(1, transport.config().nackCacheSize() - 1)) << 1;
        this.cache = new byte[size][];
        this.cacheSeq = new int[size];
        this.cacheMask = size - 1;
        this.events = new Events();
        transport.handler(events);
    }

    /** Binds the socket and prepares the offer; then send {@link #offer()} and pass the answer to {@link #connect}. */
    public static CompletableFuture<Publisher> create(String streamID, MediaConfig config) {
        return MediaTransport.open(Sdp.Direction.SENDONLY, config, streamID).thenApply(t -> new Publisher(streamID, t));
    }

    public String offer() {
        return transport.offer();
    }

    /** ICE, then DTLS; completes on the event loop when packets can be sent. See {@link MediaTransport#connect}. */
    public CompletableFuture<Publisher> connect(String answerSdp) {
        return transport.connect(answerSdp).thenApply(t -> this);
    }

    /** Sends one 20 ms frame: the timestamp advances by 960 after each. False when not connected. */
    public boolean sendFrame(byte[] opusPayload) {
        return send(opusPayload, -1, -1);
    }

    /**
     * Sends one 20 ms frame as Opus RED (RFC 2198): {@code previous} (the frame before, 960 samples earlier) as the
     * redundant block, {@code current} as the primary. Needs an answer that kept {@code red/48000/2}; false when it
     * did not, or when not connected.
     */
    public boolean sendRedFrame(byte[] previous, byte[] current) {
        RemoteDescription r = remote();
        if (r == null || r.redPayloadType() < 0 || previous.length > 0x3FF) {
            return false;
        }
        int opus = r.opusPayloadType();
        byte[] red = new byte[5 + previous.length + current.length];
        red[0] = (byte) (0x80 | opus); // F=1: a redundant block follows
        int offsetAndLength = SAMPLES_PER_FRAME << 10 | previous.length; // 14-bit timestamp offset, 10-bit length
        red[1] = (byte) (offsetAndLength >>> 16);
        red[2] = (byte) (offsetAndLength >>> 8);
        red[3] = (byte) offsetAndLength;
        red[4] = (byte) opus; // F=0: the primary
        System.arraycopy(previous, 0, red, 5, previous.length);
        System.arraycopy(current, 0, red, 5 + previous.length, current.length);
        return send(red, -1, r.redPayloadType());
    }

    /** Sends a payload with the given RTP timestamp (later frames continue from it, +960 each). */
    public boolean sendAudio(byte[] opusPayload, long rtpTimestamp) {
        return send(opusPayload, rtpTimestamp & 0xFFFFFFFFL, -1);
    }

    /** The RFC 6464 level of the packets sent from now on: 0 (loudest) .. 127 (silence), in -dBov. */
    public void setAudioLevel(int level, boolean voiceActivity) {
        if (level < 0 || level > 127) {
            throw new IllegalArgumentException("audio level: " + level + " (expected: 0..127 -dBov)");
        }
        audioLevel = level;
        voice = voiceActivity;
    }

    /** @param payloadType -1 for the answer's Opus */
    private boolean send(byte[] payload, long timestamp, int payloadType) {
        if (transport.state() != MediaTransport.State.CONNECTED || removed) {
            return false;
        }
        byte[] copy = payload.clone(); // the caller may reuse its array before the loop runs
        if (transport.eventLoop().inEventLoop()) {
            write(copy, timestamp, payloadType);
        } else {
            transport.eventLoop().execute(() -> write(copy, timestamp, payloadType));
        }
        return true;
    }

    private void write(byte[] payload, long timestamp, int payloadType) {
        RemoteDescription r = remote();
        if (transport.state() != MediaTransport.State.CONNECTED) {
            return;
        }
        long ts = timestamp >= 0 ? timestamp : nextTimestamp;
        int seq = nextSeq;
        ByteBuf buf = transport.allocate(40 + payload.length);
        RtpPacket.writeHeader(buf, payloadType < 0 ? r.opusPayloadType() : payloadType, first, seq, ts, ssrc, r.audioLevelId(),
                voice, audioLevel, r.midId(), r.midId() == 0 ? null : r.mid().getBytes(StandardCharsets.US_ASCII));
        buf.writeBytes(payload);
        if (transport.protectRtp(buf) != SrtpStatus.OK) {
            return; // released by protectRtp
        }
        byte[] protectedCopy = ByteBufUtil.getBytes(buf);
        transport.write(buf);
        cache[seq & cacheMask] = protectedCopy;
        cacheSeq[seq & cacheMask] = seq;
        first = false;
        nextSeq = (seq + 1) & 0xFFFF;
        nextTimestamp = (ts + SAMPLES_PER_FRAME) & 0xFFFFFFFFL;
        lastTimestamp = ts;
        lastSendNanos = System.nanoTime();
        packetsSent++;
        bytesSent += payload.length;
    }

    private final class Events extends TransportHandler {
        @Override
        void onConnected() {
            long interval = transport.config().rtcpInterval().toNanos();
            rtcpTimer = transport.eventLoop().scheduleAtFixedRate(Publisher.this::sendReport, interval, interval,
                    TimeUnit.NANOSECONDS);
        }

        @Override
        void onRtcp(List<RtcpPacket> packets) {
                for (RtcpPacket p : packets) {
                if (p instanceof RtcpPacket.Nack n && n.mediaSsrc() == ssrc) {
                    nacksReceived++;
                    for (int seq : n.lostSequenceNumbers()) {
                        byte[] packet = cache[seq & cacheMask];
                        if (packet != null && cacheSeq[seq & cacheMask] == seq) {
                            transport.sendProtected(packet);
                            retransmitted++;
                        }
                    }
                } else if (p instanceof RtcpPacket.Pli pli && pli.mediaSsrc() == ssrc
                        || p instanceof RtcpPacket.Fir) {
                    keyFrameRequests++; // Opus has no key frames; counted so tests see PLI/FIR pass through
                } else if (p instanceof RtcpPacket.ReceiverReport rr) {
                    onReport(rr.reports());
                } else if (p instanceof RtcpPacket.SenderReport sr) {
                    onReport(sr.reports());
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

    private void onReport(List<RtcpPacket.ReportBlock> blocks) {
        for (RtcpPacket.ReportBlock b : blocks) {
            if (b.ssrc() == ssrc) {
                receiverReports++;
                fractionLost = b.fractionLost();
                long now = NtpTime.compact(NtpTime.fromUnixMillis(System.currentTimeMillis()));
                long measured = NtpTime.rttMillis(now, b.lastSr(), b.delaySinceLastSr());
                if (measured >= 0) {
                    rtt = measured;
                }
            }
        }
    }

    private void sendReport() {
        if (packetsSent == 0) {
            return; // RFC 3550: only senders send SRs; the server has nothing to report about yet either
        }
        long elapsed = System.nanoTime() - lastSendNanos;
        long rtpNow = (lastTimestamp + elapsed * CLOCK_RATE / 1_000_000_000L) & 0xFFFFFFFFL;
        long ntp = NtpTime.fromUnixMillis(System.currentTimeMillis());
        RtcpPacket.SenderReport sr = new RtcpPacket.SenderReport(ssrc, ntp, rtpNow, packetsSent & 0xFFFFFFFFL,
                bytesSent & 0xFFFFFFFFL, List.of());
        RtcpPacket.SourceDescription sdes = new RtcpPacket.SourceDescription(
                List.of(new RtcpPacket.SdesChunk(ssrc, cname)));
        if (transport.sendRtcp(List.of(sr, sdes)) == SrtpStatus.OK) {
            senderReports++;
        }
    }

    public Stats stats() {
        return new Stats(packetsSent, bytesSent, senderReports, nacksReceived, retransmitted, keyFrameRequests,
                receiverReports, fractionLost, rtt);
    }

    public String streamID() {
        return streamID;
    }

    /** The SSRC of the packets sent (as in the offer's {@code a=ssrc}). */
    public long ssrc() {
        return ssrc;
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
     * Closes its transport; a bundled stream only leaves the session's transport here (the session renegotiates
     * without it, see {@link MediaSession#remove}).
     */
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
        transport.eventLoop().execute(() -> {
            transport.removeHandler(events);
            events.onClosed("removed from the session transport");
            closed.complete("removed from the session transport");
        });
    }
}
