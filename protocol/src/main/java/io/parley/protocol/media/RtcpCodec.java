package io.parley.protocol.media;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.RtcpPacket.Bye;
import io.parley.protocol.media.RtcpPacket.Fir;
import io.parley.protocol.media.RtcpPacket.FirEntry;
import io.parley.protocol.media.RtcpPacket.Nack;
import io.parley.protocol.media.RtcpPacket.NackItem;
import io.parley.protocol.media.RtcpPacket.Pli;
import io.parley.protocol.media.RtcpPacket.ReceiverReport;
import io.parley.protocol.media.RtcpPacket.ReportBlock;
import io.parley.protocol.media.RtcpPacket.SdesChunk;
import io.parley.protocol.media.RtcpPacket.SenderReport;
import io.parley.protocol.media.RtcpPacket.SourceDescription;
import io.parley.protocol.media.RtcpPacket.Unknown;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses compound RTCP packets into {@link RtcpPacket} values and writes them back.
 *
 * <p>Parsing never throws: a malformed compound packet yields {@link Parsed#fail} saying where and
 * what was expected. The first packet is not required to be SR or RR, since reduced-size RTCP
 * (RFC 5506, {@code a=rtcp-rsize}) sends lone feedback packets.
 */
public final class RtcpCodec {

    public static final int HEADER_LENGTH = 4;
    static final int MAX_COUNT = 31; // the 5-bit count field
    private static final int REPORT_BLOCK_LENGTH = 24;
    private static final int FMT_NACK = 1;
    private static final int FMT_PLI = 1;
    private static final int FMT_FIR = 4;
    private static final int SDES_CNAME = 1;

    private RtcpCodec() {
    }

    /** Parses the readable bytes of {@code buf} (a decrypted compound packet); the reader index is unchanged. */
    public static Parsed<List<RtcpPacket>> parse(ByteBuf buf) {
        List<RtcpPacket> packets = new ArrayList<>(2);
        int pos = buf.readerIndex();
        int end = buf.writerIndex();
        if (pos == end) {
            return Parsed.fail("RTCP: empty packet (expected: >= 4 bytes)");
        }
        while (pos < end) {
            int offset = pos - buf.readerIndex();
            if (end - pos < HEADER_LENGTH) {
                return Parsed.fail("RTCP at offset " + offset + ": " + (end - pos) + " bytes (expected: >= 4)");
            }
            int b0 = buf.getUnsignedByte(pos);
            if (b0 >>> 6 != 2) {
                return Parsed.fail("RTCP at offset " + offset + ": version " + (b0 >>> 6) + " (expected: 2)");
            }
            int length = (buf.getUnsignedShort(pos + 2) + 1) * 4;
            if (length > end - pos) {
                return Parsed.fail("RTCP at offset " + offset + ": length " + length + " bytes (expected: <= "
                        + (end - pos) + " remaining)");
            }
            int bodyEnd = pos + length;
            if ((b0 & 0x20) != 0) {
                int padding = buf.getUnsignedByte(bodyEnd - 1);
                if (padding == 0 || padding > length - HEADER_LENGTH) {
                    return Parsed.fail("RTCP at offset " + offset + ": padding " + padding
                            + " (expected: 1.." + (length - HEADER_LENGTH) + ")");
                }
                bodyEnd -= padding;
            }
            Object packet = parseOne(buf, b0 & 0x1F, buf.getUnsignedByte(pos + 1), pos + HEADER_LENGTH, bodyEnd);
            if (packet instanceof String error) {
                return Parsed.fail("RTCP at offset " + offset + ": " + error);
            }
            packets.add((RtcpPacket) packet);
            pos += length;
        }
        return Parsed.ok(List.copyOf(packets));
    }

    /** Returns a packet, or a String saying what is wrong (avoids a result object per packet). */
    private static Object parseOne(ByteBuf buf, int count, int type, int body, int end) {
        int size = end - body;
        switch (type) {
            case RtcpPacket.SR: {
                int need = 24 + count * REPORT_BLOCK_LENGTH;
                if (size < need) {
                    return "SR with " + count + " blocks: " + size + " bytes (expected: >= " + need + ")";
                }
                return new SenderReport(buf.getUnsignedInt(body), buf.getLong(body + 4),
                        buf.getUnsignedInt(body + 12), buf.getUnsignedInt(body + 16), buf.getUnsignedInt(body + 20),
                        reportBlocks(buf, body + 24, count));
            }
            case RtcpPacket.RR: {
                int need = 4 + count * REPORT_BLOCK_LENGTH;
                if (size < need) {
                    return "RR with " + count + " blocks: " + size + " bytes (expected: >= " + need + ")";
                }
                return new ReceiverReport(buf.getUnsignedInt(body), reportBlocks(buf, body + 4, count));
            }
            case RtcpPacket.SDES:
                return parseSdes(buf, count, body, end);
            case RtcpPacket.BYE:
                return parseBye(buf, count, body, end);
            case RtcpPacket.RTPFB:
                if (count == FMT_NACK) {
                    if (size < 8 || size % 4 != 0) {
                        return "NACK: " + size + " bytes (expected: 8 + 4 per item)";
                    }
                    List<NackItem> items = new ArrayList<>((size - 8) / 4);
                    for (int i = body + 8; i < end; i += 4) {
                        items.add(new NackItem(buf.getUnsignedShort(i), buf.getUnsignedShort(i + 2)));
                    }
                    return new Nack(buf.getUnsignedInt(body), buf.getUnsignedInt(body + 4), items);
                }
                break;
            case RtcpPacket.PSFB:
                if (count == FMT_PLI) {
                    if (size < 8) {
                        return "PLI: " + size + " bytes (expected: 8)";
                    }
                    return new Pli(buf.getUnsignedInt(body), buf.getUnsignedInt(body + 4));
                }
                if (count == FMT_FIR) {
                    if (size < 8 || size % 8 != 0) {
                        return "FIR: " + size + " bytes (expected: 8 + 8 per entry)";
                    }
                    List<FirEntry> entries = new ArrayList<>((size - 8) / 8);
                    for (int i = body + 8; i < end; i += 8) {
                        entries.add(new FirEntry(buf.getUnsignedInt(i), buf.getUnsignedByte(i + 4)));
                    }
                    return new Fir(buf.getUnsignedInt(body), entries);
                }
                break;
            default:
                break;
        }
        byte[] bytes = new byte[size];
        buf.getBytes(body, bytes);
        return new Unknown(type, count, bytes);
    }

    private static List<ReportBlock> reportBlocks(ByteBuf buf, int pos, int count) {
        List<ReportBlock> blocks = new ArrayList<>(count);
        for (int i = 0; i < count; i++, pos += REPORT_BLOCK_LENGTH) {
            int lost = buf.getInt(pos + 4);
            blocks.add(new ReportBlock(buf.getUnsignedInt(pos), lost >>> 24, lost << 8 >> 8,
                    buf.getUnsignedInt(pos + 8), buf.getUnsignedInt(pos + 12), buf.getUnsignedInt(pos + 16),
                    buf.getUnsignedInt(pos + 20)));
        }
        return blocks;
    }

    private static Object parseSdes(ByteBuf buf, int count, int body, int end) {
        List<SdesChunk> chunks = new ArrayList<>(count);
        int pos = body;
        for (int c = 0; c < count; c++) {
            if (end - pos < 4) {
                return "SDES chunk " + c + " truncated (expected: a 4-byte SSRC)";
            }
            long ssrc = buf.getUnsignedInt(pos);
            String cname = null;
            pos += 4;
            while (true) {
                if (pos >= end) {
                    return "SDES chunk " + c + " has no end item (expected: a 0 byte)";
                }
                int item = buf.getUnsignedByte(pos);
                if (item == 0) {
                    pos = body + ((pos + 1 - body + 3) & ~3); // chunks start on 32-bit boundaries
                    break;
                }
                if (end - pos < 2 || end - pos - 2 < buf.getUnsignedByte(pos + 1)) {
                    return "SDES item " + item + " in chunk " + c + " overruns the packet";
                }
                int len = buf.getUnsignedByte(pos + 1);
                if (item == SDES_CNAME) {
                    cname = buf.toString(pos + 2, len, StandardCharsets.UTF_8);
                }
                pos += 2 + len;
            }
            chunks.add(new SdesChunk(ssrc, cname));
        }
        return new SourceDescription(chunks);
    }

    private static Object parseBye(ByteBuf buf, int count, int body, int end) {
        if (end - body < 4 * count) {
            return "BYE with " + count + " sources: " + (end - body) + " bytes (expected: >= " + 4 * count + ")";
        }
        List<Long> ssrcs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ssrcs.add(buf.getUnsignedInt(body + 4 * i));
        }
        int pos = body + 4 * count;
        String reason = null;
        if (pos < end) {
            int len = buf.getUnsignedByte(pos);
            if (len > end - pos - 1) {
                return "BYE reason: " + len + " bytes (expected: <= " + (end - pos - 1) + ")";
            }
            reason = buf.toString(pos + 1, len, StandardCharsets.UTF_8);
        }
        return new Bye(ssrcs, reason);
    }

    /** Writes each packet in turn: a compound packet when the list holds more than one. */
    public static void writeCompound(ByteBuf out, List<? extends RtcpPacket> packets) {
        for (RtcpPacket packet : packets) {
            write(out, packet);
        }
    }

    /** Appends one RTCP packet to {@code out}. */
    public static void write(ByteBuf out, RtcpPacket packet) {
        int start = out.writerIndex();
        out.writeInt(0); // header, filled in once the length is known
        int count;
        if (packet instanceof SenderReport sr) {
            out.writeInt((int) sr.ssrc()).writeLong(sr.ntpTime()).writeInt((int) sr.rtpTime())
                    .writeInt((int) sr.packetCount()).writeInt((int) sr.octetCount());
            writeReportBlocks(out, sr.reports());
            count = sr.reports().size();
        } else if (packet instanceof ReceiverReport rr) {
            out.writeInt((int) rr.ssrc());
            writeReportBlocks(out, rr.reports());
            count = rr.reports().size();
        } else if (packet instanceof SourceDescription sdes) {
            for (SdesChunk chunk : sdes.chunks()) {
                out.writeInt((int) chunk.ssrc());
                if (chunk.cname() != null) {
                    byte[] cname = chunk.cname().getBytes(StandardCharsets.UTF_8);
                    if (cname.length > 255) {
                        throw new IllegalArgumentException("CNAME: " + cname.length + " bytes (expected: <= 255)");
                    }
                    out.writeByte(SDES_CNAME).writeByte(cname.length).writeBytes(cname);
                }
                out.writeByte(0); // end of items
                padToWord(out, start);
            }
            count = sdes.chunks().size();
        } else if (packet instanceof Bye bye) {
            bye.ssrcs().forEach(ssrc -> out.writeInt(ssrc.intValue()));
            if (bye.reason() != null) {
                byte[] reason = bye.reason().getBytes(StandardCharsets.UTF_8);
                if (reason.length > 255) {
                    throw new IllegalArgumentException("BYE reason: " + reason.length + " bytes (expected: <= 255)");
                }
                out.writeByte(reason.length).writeBytes(reason);
                padToWord(out, start);
            }
            count = bye.ssrcs().size();
        } else if (packet instanceof Nack nack) {
            out.writeInt((int) nack.senderSsrc()).writeInt((int) nack.mediaSsrc());
            nack.items().forEach(item -> out.writeShort(item.pid()).writeShort(item.blp()));
            count = FMT_NACK;
        } else if (packet instanceof Pli pli) {
            out.writeInt((int) pli.senderSsrc()).writeInt((int) pli.mediaSsrc());
            count = FMT_PLI;
        } else if (packet instanceof Fir fir) {
            out.writeInt((int) fir.senderSsrc()).writeInt(0);
            fir.entries().forEach(e -> out.writeInt((int) e.ssrc()).writeByte(e.sequenceNumber()).writeMedium(0));
            count = FMT_FIR;
        } else {
            Unknown unknown = (Unknown) packet;
            out.writeBytes(unknown.body());
            count = unknown.count() & MAX_COUNT;
            int padding = (4 - (out.writerIndex() - start) % 4) % 4;
            if (padding > 0) { // RTCP padding: zeros, then the count in the last byte
                out.writeZero(padding - 1).writeByte(padding);
                count |= 0x20;
            }
        }
        int length = out.writerIndex() - start;
        out.setByte(start, 0x80 | count);
        out.setByte(start + 1, packet.packetType());
        out.setShort(start + 2, length / 4 - 1);
    }

    private static void writeReportBlocks(ByteBuf out, List<ReportBlock> blocks) {
        for (ReportBlock b : blocks) {
            int lost = Math.max(-0x800000, Math.min(0x7FFFFF, b.cumulativeLost())) & 0xFFFFFF;
            out.writeInt((int) b.ssrc())
                    .writeInt(Math.max(0, Math.min(255, b.fractionLost())) << 24 | lost)
                    .writeInt((int) b.highestSequence())
                    .writeInt((int) b.jitter())
                    .writeInt((int) b.lastSr())
                    .writeInt((int) b.delaySinceLastSr());
        }
    }

    private static void padToWord(ByteBuf out, int start) {
        out.writeZero((4 - (out.writerIndex() - start) % 4) % 4);
    }

    static <T> List<T> checkCount(String what, List<T> list) {
        if (list.size() > MAX_COUNT) {
            throw new IllegalArgumentException(what + ": " + list.size() + " (expected: <= " + MAX_COUNT + ")");
        }
        return List.copyOf(list);
    }
}
