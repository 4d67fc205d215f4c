package io.parley.protocol.media;

import java.util.ArrayList;
import java.util.List;

/**
 * The RTCP packets an audio SFU reads and writes (RFC 3550, 4585, 5104), as plain values.
 * {@link RtcpCodec} turns compound packets into these and back. All SSRCs and 32-bit counters are
 * unsigned values held in a {@code long}.
 */
public sealed interface RtcpPacket {

    int SR = 200;
    int RR = 201;
    int SDES = 202;
    int BYE = 203;
    int APP = 204;
    /** Transport-layer feedback (RFC 4585); FMT 1 is generic NACK. */
    int RTPFB = 205;
    /** Payload-specific feedback (RFC 4585); FMT 1 is PLI, FMT 4 is FIR (RFC 5104). */
    int PSFB = 206;

    /** The RTCP packet type (200..206 here, anything for {@link Unknown}). */
    int packetType();

    /**
     * One reception report (RFC 3550 6.4.1).
     *
     * @param fractionLost     lost fraction since the last report, in 1/256 (0..255)
     * @param cumulativeLost   packets lost since the start; 24-bit signed (duplicates can make it negative)
     * @param highestSequence  extended highest sequence number received (cycles << 16 | seq)
     * @param jitter           interarrival jitter in RTP timestamp units
     * @param lastSr           compact NTP time of the last SR from this source (0 if none)
     * @param delaySinceLastSr delay since that SR, in 1/65536 s
     */
    record ReportBlock(long ssrc, int fractionLost, int cumulativeLost, long highestSequence, long jitter,
            long lastSr, long delaySinceLastSr) {
    }

    /** Sender report: what a sender sent, plus reception reports about others. */
    record SenderReport(long ssrc, long ntpTime, long rtpTime, long packetCount, long octetCount,
            List<ReportBlock> reports) implements RtcpPacket {
        public SenderReport {
            reports = RtcpCodec.checkCount("SR report blocks", reports);
        }

        @Override
        public int packetType() {
            return SR;
        }
    }

    record ReceiverReport(long ssrc, List<ReportBlock> reports) implements RtcpPacket {
        public ReceiverReport {
            reports = RtcpCodec.checkCount("RR report blocks", reports);
        }

        @Override
        public int packetType() {
            return RR;
        }
    }

    /** One SDES chunk; only CNAME is kept (the other items are dropped when parsing). */
    record SdesChunk(long ssrc, String cname) {
    }

    record SourceDescription(List<SdesChunk> chunks) implements RtcpPacket {
        public SourceDescription {
            chunks = RtcpCodec.checkCount("SDES chunks", chunks);
        }

        @Override
        public int packetType() {
            return SDES;
        }
    }

    /** @param reason optional text, or null */
    record Bye(List<Long> ssrcs, String reason) implements RtcpPacket {
        public Bye {
            ssrcs = RtcpCodec.checkCount("BYE sources", ssrcs);
        }

        @Override
        public int packetType() {
            return BYE;
        }
    }

    /**
     * One generic NACK item: packet {@code pid} is lost, and packet {@code pid + i + 1} too for each
     * bit {@code i} set in {@code blp}.
     */
    record NackItem(int pid, int blp) {
        public NackItem {
            if ((pid & ~0xFFFF) != 0 || (blp & ~0xFFFF) != 0) {
                throw new IllegalArgumentException("pid " + pid + ", blp " + blp + " (expected: 16-bit values)");
            }
        }

        /** The lost sequence numbers this item names, in order. */
        public int[] lostSequenceNumbers() {
            int[] lost = new int[1 + Integer.bitCount(blp)];
            int n = 0;
            lost[n++] = pid;
            for (int i = 0; i < 16; i++) {
                if ((blp & (1 << i)) != 0) {
                    lost[n++] = (pid + i + 1) & 0xFFFF;
                }
            }
            return lost;
        }
    }

    /** Generic NACK (RTPFB FMT 1, RFC 4585 6.2.1). */
    record Nack(long senderSsrc, long mediaSsrc, List<NackItem> items) implements RtcpPacket {
        public Nack {
            items = List.copyOf(items);
        }

        /** Builds a NACK naming {@code lost}, given in ascending order modulo 2^16 for the tightest packing. */
        public static Nack of(long senderSsrc, long mediaSsrc, int... lost) {
            return new Nack(senderSsrc, mediaSsrc, toItems(lost));
        }

        /** Packs sequence numbers into items: each covers its PID and the 16 that follow. */
        public static List<NackItem> toItems(int... lost) {
            List<NackItem> items = new ArrayList<>();
            int pid = -1;
            int blp = 0;
            for (int seq : lost) {
                seq &= 0xFFFF;
                int distance = pid < 0 ? -1 : (seq - pid) & 0xFFFF;
                if (distance == 0) {
                    continue;
                }
                if (distance >= 1 && distance <= 16) {
                    blp |= 1 << (distance - 1);
                    continue;
                }
                if (pid >= 0) {
                    items.add(new NackItem(pid, blp));
                }
                pid = seq;
                blp = 0;
            }
            if (pid >= 0) {
                items.add(new NackItem(pid, blp));
            }
            return items;
        }

        /** Every sequence number this NACK names, in item order. */
        public int[] lostSequenceNumbers() {
            int total = 0;
            for (NackItem item : items) {
                total += 1 + Integer.bitCount(item.blp());
            }
            int[] all = new int[total]; // sized once: a NACK of hundreds of items costs no quadratic copying
            int n = 0;
            for (NackItem item : items) {
                int[] lost = item.lostSequenceNumbers();
                System.arraycopy(lost, 0, all, n, lost.length);
                n += lost.length;
            }
            return all;
        }

        @Override
        public int packetType() {
            return RTPFB;
        }
    }

    /** Picture Loss Indication (PSFB FMT 1): asks the sender for a key frame. */
    record Pli(long senderSsrc, long mediaSsrc) implements RtcpPacket {
        @Override
        public int packetType() {
            return PSFB;
        }
    }

    /** One FIR request: the source asked for a key frame, and the request's sequence number. */
    record FirEntry(long ssrc, int sequenceNumber) {
    }

    /** Full Intra Request (PSFB FMT 4, RFC 5104 4.3.1); the media SSRC field is always 0. */
    record Fir(long senderSsrc, List<FirEntry> entries) implements RtcpPacket {
        public Fir {
            entries = List.copyOf(entries);
        }

        @Override
        public int packetType() {
            return PSFB;
        }
    }

    /**
     * Anything else (APP, XR, transport-cc, REMB, ...), kept so it can be forwarded or counted.
     *
     * @param count the 5-bit count/FMT field
     * @param body  the bytes after the 4-byte header, without padding (compared by identity)
     */
    record Unknown(int packetType, int count, byte[] body) implements RtcpPacket {
    }
}
