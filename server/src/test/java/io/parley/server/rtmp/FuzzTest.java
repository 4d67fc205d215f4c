package io.parley.server.rtmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated inputs for the chunk decoder, the AMF0 decoder and the FLV reader: only the typed error may
 * escape, nothing leaks, nothing hangs. Tries: {@code -Dparley.fuzz.tries=N} (default 500 each); the seed is
 * {@code -Dparley.fuzz.seed} (default random, printed on failure).
 */
class FuzzTest {
    private static final int TRIES = Integer.getInteger("parley.fuzz.tries", 500);
    private static final long SEED = Long.getLong("parley.fuzz.seed", System.nanoTime());

    /** A valid-ish chunk stream to mutate: set chunk size, a command, audio split over chunks, fmt 1-3 headers. */
    private static byte[] seedChunks(Random rnd) {
        EmbeddedChannel enc = new EmbeddedChannel(new ChunkEncoder());
        enc.writeOutbound(RtmpMessages.setChunkSize(64 + rnd.nextInt(300)));
        enc.writeOutbound(RtmpMessages.command(0, "connect", 1.0, java.util.Map.of("app", "live")));
        byte[] audio = new byte[rnd.nextInt(1000)];
        rnd.nextBytes(audio);
        enc.writeOutbound(new RtmpMessage(4 + rnd.nextInt(400), 8, rnd.nextInt(), 1, Unpooled.wrappedBuffer(audio)));
        ByteBuf all = Unpooled.buffer();
        ByteBuf b;
        while ((b = enc.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        all.writeBytes(new byte[] {0x44, 0, 0, 20, 0, 0, 2, 8, (byte) 0xaf, 1, (byte) 0x84, 0, 0, 21, (byte) 0xaf, 2, (byte) 0xc4, (byte) 0xaf, 3});
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out);
        all.release();
        enc.finish();
        return out;
    }

    private static byte[] mutate(byte[] in, Random rnd) {
        byte[] b = in.clone();
        int flips = 1 + rnd.nextInt(4);
        for (int i = 0; i < flips && b.length > 0; i++) {
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        if (rnd.nextInt(4) == 0) {
            return java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        }
        return b;
    }

    private static byte[] input(Random rnd, byte[] seed) {
        if (rnd.nextInt(3) == 0) {
            byte[] r = new byte[rnd.nextInt(600)];
            rnd.nextBytes(r);
            return r;
        }
        return mutate(seed, rnd);
    }

    @Test
    void chunkDecoder() {
        Random rnd = new Random(SEED);
        byte[] seed = seedChunks(rnd);
        for (int i = 0; i < TRIES; i++) {
            byte[] in = input(rnd, i % 100 == 0 ? (seed = seedChunks(rnd)) : seed);
            EmbeddedChannel ch = new EmbeddedChannel(new ChunkDecoder(64 * 1024, 1 << 20, 4, 0));
            try {
                int at = 0;
                while (at < in.length) { // in random pieces, as TCP would
                    int n = 1 + rnd.nextInt(in.length - at);
                    ch.writeInbound(Unpooled.wrappedBuffer(in, at, n));
                    at += n;
                    Object m;
                    while ((m = ch.readInbound()) != null) {
                        ReferenceCountUtil.release(m);
                    }
                }
            } catch (DecoderException e) {
                assertThat(e.getCause()).as("seed " + SEED + " try " + i).isInstanceOf(RtmpException.class);
            }
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void amf0Decoder() {
        Random rnd = new Random(SEED);
        ByteBuf seedBuf = Unpooled.buffer();
        Amf0.encode(seedBuf, "connect", 1.0, java.util.Map.of("app", "live", "n", 3.0), null, Amf0.UNDEFINED,
                new Amf0.EcmaArray(java.util.Map.of("duration", 0.0)), java.util.List.of(1.0, "x", true),
                new Amf0.AmfDate(1, (short) 0));
        byte[] seed = new byte[seedBuf.readableBytes()];
        seedBuf.readBytes(seed);
        seedBuf.release();
        for (int i = 0; i < TRIES; i++) {
            ByteBuf in = Unpooled.wrappedBuffer(input(rnd, seed));
            try {
                Amf0.decodeAll(in);
            } catch (AmfException expected) {
                // the only error allowed
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("seed " + SEED + " try " + i, e);
            }
        }
    }

    @Test
    void flvReader() {
        Random rnd = new Random(SEED);
        ByteBuf s = FlvWriter.header(io.netty.buffer.ByteBufAllocator.DEFAULT, true, true);
        ByteBuf body = Unpooled.wrappedBuffer(new byte[] {(byte) 0xaf, 0, 0x12, 0x10});
        ByteBuf t = FlvWriter.tag(io.netty.buffer.ByteBufAllocator.DEFAULT, 8, 5, body);
        byte[] seed = new byte[s.readableBytes() + 2 * t.readableBytes()];
        s.readBytes(seed, 0, 13);
        t.getBytes(t.readerIndex(), seed, 13, t.readableBytes());
        t.readBytes(seed, 13 + t.readableBytes(), t.readableBytes());
        s.release();
        t.release();
        body.release();
        for (int i = 0; i < TRIES; i++) {
            byte[] in = input(rnd, seed);
            FlvReader r = new FlvReader(64 * 1024);
            ByteBuf acc = Unpooled.buffer();
            try {
                int at = 0;
                while (at < in.length) {
                    int n = 1 + rnd.nextInt(in.length - at);
                    acc.writeBytes(in, at, n);
                    at += n;
                    r.read(acc);
                }
            } catch (RtmpException expected) {
                assertThat(expected.reason()).isEqualTo("flv");
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + SEED + " try " + i, e);
            } finally {
                acc.release();
            }
        }
    }
}
