package io.parley.server.sfu;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Packet and byte counters of the media plane; written on the media loops, read by metrics and tests. */
public final class MediaCounters {
    private final Map<DropReason, LongAdder> dropped = new EnumMap<>(DropReason.class);
    private final Map<RetransmitRefusal, LongAdder> refused = new EnumMap<>(RetransmitRefusal.class);
    final LongAdder rtpPacketsIn = new LongAdder();
    final LongAdder rtpBytesIn = new LongAdder();
    final LongAdder rtpPacketsOut = new LongAdder();
    final LongAdder rtpBytesOut = new LongAdder();
    final LongAdder rtcpPacketsIn = new LongAdder();
    final LongAdder rtcpBytesIn = new LongAdder();
    final LongAdder rtcpPacketsOut = new LongAdder();
    final LongAdder rtcpBytesOut = new LongAdder();
    final LongAdder retransmissions = new LongAdder();
    final LongAdder transportCcFeedback = new LongAdder();
    final LongAdder stunErrorReplies = new LongAdder();
    final LongAdder dtlsPreempted = new LongAdder();
    final LongAdder stunErrorRepliesLimited = new LongAdder();
    /** Packets read by one media loop's socket for a transport of another loop, handed over (not copied). */
    final LongAdder handedOver = new LongAdder();
    /** Packets a Producer handed to another loop for its Consumers there (one per packet and loop). */
    final LongAdder relayed = new LongAdder();
    /** Datagrams read by recvmmsg behind another in the same call (the second and later of a batch). */
    final LongAdder batchedDatagrams = new LongAdder();
    /** Errors on a media socket: a send that failed (its datagram is lost) or a failed read. */
    final LongAdder socketErrors = new LongAdder();

    MediaCounters() {
        for (DropReason r : DropReason.values()) {
            dropped.put(r, new LongAdder());
        }
        for (RetransmitRefusal r : RetransmitRefusal.values()) {
            refused.put(r, new LongAdder());
        }
    }

    void refuse(RetransmitRefusal reason) {
        refused.get(reason).increment();
    }

    /** NACKed packets not resent, by reason. */
    public long refused(RetransmitRefusal reason) {
        return refused.get(reason).sum();
    }

    void drop(DropReason reason) {
        dropped.get(reason).increment();
    }

    public long dropped(DropReason reason) {
        return dropped.get(reason).sum();
    }

    public long rtpPacketsIn() {
        return rtpPacketsIn.sum();
    }

    public long rtpBytesIn() {
        return rtpBytesIn.sum();
    }

    public long rtpPacketsOut() {
        return rtpPacketsOut.sum();
    }

    public long rtpBytesOut() {
        return rtpBytesOut.sum();
    }

    public long rtcpPacketsIn() {
        return rtcpPacketsIn.sum();
    }

    public long rtcpBytesIn() {
        return rtcpBytesIn.sum();
    }

    public long rtcpPacketsOut() {
        return rtcpPacketsOut.sum();
    }

    public long rtcpBytesOut() {
        return rtcpBytesOut.sum();
    }

    public long socketErrors() {
        return socketErrors.sum();
    }

    public long retransmissions() {
        return retransmissions.sum();
    }

    /** RTCP transport-cc (TWCC) feedback packets sent to publishers. */
    public long transportCcFeedback() {
        return transportCcFeedback.sum();
    }

    /** Inbound packets read by another media loop than their transport's and handed over to it. */
    public long handedOver() {
        return handedOver.sum();
    }

    /** Datagrams that came in a recvmmsg batch behind another one (epoll only). */
    public long batchedDatagrams() {
        return batchedDatagrams.sum();
    }

    /** Packets handed from a Producer's loop to another loop's Consumers of it (one per packet and loop). */
    public long relayed() {
        return relayed.sum();
    }

    /** STUN 400/401 replies sent. */
    public long stunErrorReplies() {
        return stunErrorReplies.sum();
    }

    /** STUN 400/401 replies not sent: that source address had its {@code media.stunErrorRepliesPerSecond}. */
    public long stunErrorRepliesLimited() {
        return stunErrorRepliesLimited.sum();
    }

    /** DTLS handshakes aborted to give their slot to another App (fair share). */
    public long dtlsPreempted() {
        return dtlsPreempted.sum();
    }
}
