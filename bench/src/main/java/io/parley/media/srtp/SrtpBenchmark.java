package io.parley.media.srtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SRTP protect and unprotect of one audio packet (12-byte header, 120-byte payload: a 20 ms Opus frame at about
 * 48 kbit/s) per profile, on heap buffers as the media loop hands them over. Run with {@code -prof gc}: the
 * {@code gc.alloc.rate.norm} column is the bytes allocated per operation.
 *
 * <p>{@code protect}: one outbound packet (the sequence number advances each call, as a sender's does).
 * {@code roundTrip}: protect on one session and unprotect on its peer (the publisher-to-SFU leg plus one copy out).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SrtpBenchmark {
    private static final int HEADER = 12;
    private static final int PAYLOAD = 120;

    @Param({"AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80"})
    SrtpProfile profile;

    private SrtpSession sender;
    private SrtpSession receiver;
    private ByteBuf packet;
    private final byte[] clear = new byte[HEADER + PAYLOAD];
    private int seq;

    @Setup
    public void setUp() {
        byte[] material = new byte[SrtpKeys.exporterLength(profile)];
        for (int i = 0; i < material.length; i++) {
            material[i] = (byte) (i * 31 + 7);
        }
        sender = new SrtpSession(SrtpKeys.fromExporter(profile, material, true));
        receiver = new SrtpSession(SrtpKeys.fromExporter(profile, material, false));
        clear[0] = (byte) 0x80;
        clear[1] = 111;
        clear[8] = 0x12;
        clear[9] = 0x34;
        clear[10] = 0x56;
        clear[11] = 0x78;
        for (int i = HEADER; i < clear.length; i++) {
            clear[i] = (byte) i;
        }
        packet = Unpooled.buffer(HEADER + PAYLOAD + 64);
    }

    private void fill() {
        seq++;
        clear[2] = (byte) (seq >>> 8);
        clear[3] = (byte) seq;
        clear[7] = (byte) seq; // timestamp low byte
        packet.clear().writeBytes(clear);
    }

    @Benchmark
    public SrtpStatus protect() {
        fill();
        return sender.protectRtp(packet);
    }

    @Benchmark
    public SrtpStatus roundTrip() {
        fill();
        SrtpStatus s = sender.protectRtp(packet);
        if (s != SrtpStatus.OK) {
            throw new IllegalStateException("protect: " + s);
        }
        s = receiver.unprotectRtp(packet);
        if (s != SrtpStatus.OK) {
            throw new IllegalStateException("unprotect: " + s);
        }
        return s;
    }
}
