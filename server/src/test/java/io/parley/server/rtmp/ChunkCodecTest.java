package io.parley.server.rtmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkCodecTest {
    private static EmbeddedChannel decoder() {
        return new EmbeddedChannel(new ChunkDecoder(1024 * 1024, RtmpConfig.MAX_CHUNK_SIZE_CAP, 8, 0));
    }

    private static ByteBuf hex(String h) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(h.replaceAll("[^0-9a-fA-F]", "")));
    }

    private static RtmpMessage read(EmbeddedChannel ch) {
        return ch.readInbound();
    }

    private static void expect(EmbeddedChannel ch, int csid, int type, long ts, int streamId, String payloadHex) {
        RtmpMessage m = read(ch);
        assertThat(m).as("a message on chunk stream " + csid).isNotNull();
        try {
            assertThat(m.csid()).isEqualTo(csid);
            assertThat(m.type()).isEqualTo(type);
            assertThat(Integer.toUnsignedLong(m.timestamp())).isEqualTo(ts);
            assertThat(m.streamId()).isEqualTo(streamId);
            assertThat(ByteBufUtil.hexDump(m.content())).isEqualTo(payloadHex.replace(" ", ""));
        } finally {
            m.release();
        }
    }

    @Test
    void fmt0To3HeadersAndTimestampDeltas() {
        EmbeddedChannel ch = decoder();
        ch.writeInbound(hex(
                "04"            // fmt 0, csid 4
                + "0003e8"      // timestamp 1000
                + "000002"      // length 2
                + "08"          // type 8 (audio)
                + "01000000"    // message stream id 1 (little-endian)
                + "af01"        // payload
                + "44"          // fmt 1, csid 4
                + "000014"      // delta 20
                + "000003"      // length 3
                + "08"          // type 8
                + "af0102"
                + "84"          // fmt 2, csid 4
                + "000015"      // delta 21
                + "af0103"      // same length 3
                + "c4"          // fmt 3: new message, delta 21 again
                + "af0104"));
        expect(ch, 4, 8, 1000, 1, "af01");
        expect(ch, 4, 8, 1020, 1, "af0102");
        expect(ch, 4, 8, 1041, 1, "af0103");
        expect(ch, 4, 8, 1062, 1, "af0104");
        assertFalse(ch.finish());
    }

    @Test
    void extendedTimestampIsReadOnFmt0AndRepeatedOnFmt3Continuations() {
        EmbeddedChannel ch = decoder();
        StringBuilder payload = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            payload.append(String.format("%02x", i));
        }
        String p = payload.toString();
        ch.writeInbound(hex(
                "06"            // fmt 0, csid 6
                + "ffffff"      // timestamp: see extended
                + "0000c8"      // length 200
                + "09"          // type 9 (video)
                + "01000000"    // stream 1
                + "12345678"    // extended timestamp 0x12345678
                + p.substring(0, 256) // first 128 bytes (default chunk size)
                + "c6"          // fmt 3, csid 6: continuation
                + "12345678"    // extended timestamp repeated
                + p.substring(256)));
        expect(ch, 6, 9, 0x12345678L, 1, p);
        assertFalse(ch.finish());
    }

    @Test
    void twoAndThreeByteChunkStreamIds() {
        EmbeddedChannel ch = decoder();
        ch.writeInbound(hex(
                "00" + "06"             // fmt 0, csid 0 form: 64 + 6 = 70
                + "000000" + "000001" + "12" + "00000000" + "05"
                + "01" + "0201"         // fmt 0, csid 1 form: 64 + 2 + 1*256 = 322
                + "000000" + "000001" + "12" + "00000000" + "06"));
        expect(ch, 70, 18, 0, 0, "05");
        expect(ch, 322, 18, 0, 0, "06");
        assertFalse(ch.finish());
    }

    @Test
    void setChunkSizeAppliesToTheNextChunkInTheSameRead() {
        EmbeddedChannel ch = decoder();
        ByteBuf in = hex("02" + "000000" + "000004" + "01" + "00000000" + "00000200"); // Set Chunk Size 512
        in = Unpooled.wrappedBuffer(in, hex("04" + "000000" + "000190" + "08" + "01000000"), // 400-byte message
                Unpooled.wrappedBuffer(new byte[400]));
        ch.writeInbound(in);
        RtmpMessage m = read(ch);
        assertThat(m.content().readableBytes()).isEqualTo(400);
        m.release();
        assertThat(ch.pipeline().get(ChunkDecoder.class).chunkSize()).isEqualTo(512);
        assertFalse(ch.finish());
    }

    @Test
    void abortDropsThePartialMessage() {
        EmbeddedChannel ch = decoder();
        ch.writeInbound(Unpooled.wrappedBuffer(hex("04" + "000000" + "000100" + "08" + "01000000"),
                Unpooled.wrappedBuffer(new byte[128])));                        // 128 of 256 bytes
        ch.writeInbound(hex("02" + "000000" + "000004" + "02" + "00000000" + "00000004")); // Abort csid 4
        ch.writeInbound(hex("04" + "000000" + "000001" + "08" + "01000000" + "aa"));        // a new message
        expect(ch, 4, 8, 0, 1, "aa");
        assertFalse(ch.finish());
    }

    @Test
    void boundsAreTypedErrors() {
        String[] bad = {
            "02000000000004010000000000000000",             // Set Chunk Size 0
            "02000000000004010000000080000000",             // Set Chunk Size 2^31
            "02000000000004010000000001000001",             // Set Chunk Size 16 MiB + 1
            "04000000" + "5f5e10" + "0801000000",           // a 6,250,000-byte message header (> 1 MiB)
            "44000000000001080000000000",                   // fmt 1 on a chunk stream never seen
        };
        for (String b : bad) {
            EmbeddedChannel ch = decoder();
            DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(hex(b)));
            assertThat(e.getCause()).isInstanceOf(RtmpException.class);
            ch.writeInbound(hex("0400000000000108010000000000")); // ignored after the failure
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void acknowledgesEveryWindow() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChunkEncoder(), new ChunkDecoder(1024 * 1024, 1 << 24, 8, 2000));
        for (int i = 0; i < 20; i++) { // 20 * (12 + 100) = 2240 bytes
            ch.writeInbound(Unpooled.wrappedBuffer(hex("040000000000640801000000"), Unpooled.wrappedBuffer(new byte[100])));
            ((RtmpMessage) ch.readInbound()).release();
        }
        ByteBuf ack = ch.readOutbound();
        assertThat(ByteBufUtil.hexDump(ack)).isEqualTo(
                "02" + "000000" + "000004" + "03" + "00000000" // fmt 0, csid 2, Acknowledgement on stream 0
                + String.format("%08x", 18 * 112));          // sequence number: bytes received when the window filled
        ack.release();
        assertFalse(ch.finish());
    }

    @Test
    void encoderOutputDecodesToTheSameMessages() {
        Random rnd = new Random(42);
        EmbeddedChannel enc = new EmbeddedChannel(new ChunkEncoder());
        EmbeddedChannel dec = decoder();
        enc.writeOutbound(RtmpMessages.setChunkSize(1000));
        dec.writeInbound((ByteBuf) enc.readOutbound());
        int[] sizes = {0, 1, 999, 1000, 1001, 5000, 70000};
        long[] stamps = {0, 5, 0xFFFFFEL, 0xFFFFFFL, 0x1000000L, 0xFFFFFFFFL, 77};
        int[] csids = {3, 63, 64, 319, 320, 65599, 4};
        for (int i = 0; i < sizes.length; i++) {
            byte[] payload = new byte[sizes[i]];
            rnd.nextBytes(payload);
            enc.writeOutbound(new RtmpMessage(csids[i], 9, (int) stamps[i], i, Unpooled.wrappedBuffer(payload)));
            dec.writeInbound((ByteBuf) enc.readOutbound());
            expect(dec, csids[i], 9, stamps[i], i, ByteBufUtil.hexDump(payload));
        }
        assertFalse(enc.finish());
        assertFalse(dec.finish());
    }
}
