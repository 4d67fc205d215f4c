package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.parley.media.srtp.SrtpKeys;
import io.parley.media.srtp.SrtpProfile;
import io.parley.media.srtp.SrtpSession;
import io.parley.protocol.media.RtpPacket;
import io.parley.server.config.ParleyConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The SFU's per-packet path, as the media loop runs it: an SRTP packet from a publisher is demultiplexed by
 * source address, decrypted, cached for NACKs, copied for each of N Consumers, rewritten (SSRC, sequence,
 * payload type) and SRTP-protected for each, and written to the channel. The channel is an EmbeddedChannel,
 * so the figure is CPU only (no sendto); the datagrams are drained and released inside the measurement.
 * One invocation forwards a batch of {@link #BATCH} pre-encrypted packets (fresh SRTP state per invocation),
 * so the score is time per forwarded input packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ForwardingBenchmark {
    static final int BATCH = 2000;
    private static final int PAYLOAD = 120; // a 20 ms Opus frame at ~48 kbit/s
    private static final InetSocketAddress PUBLISHER = new InetSocketAddress("127.0.0.1", 40000);

    @Param({"1", "10", "100"})
    int consumers;

    @Param({"AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80"})
    SrtpProfile profile;

    private EmbeddedChannel channel;
    private MediaPlane plane;
    private Producer producer;
    private SrtpKeys publisherKeys;
    private SrtpSession clientSide;
    private final ByteBuf[] batch = new ByteBuf[BATCH];
    private int seq;
    private long timestamp;
    private long forwarded;
    private long invocations;

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private SrtpKeys keys() {
        return new SrtpKeys(profile, random(16), random(profile == SrtpProfile.AEAD_AES_128_GCM ? 12 : 14),
                random(16), random(profile == SrtpProfile.AEAD_AES_128_GCM ? 12 : 14));
    }

    private static SrtpKeys mirror(SrtpKeys k) {
        return new SrtpKeys(k.profile(), k.remoteMasterKey(), k.remoteMasterSalt(), k.localMasterKey(), k.localMasterSalt());
    }

    private static final MediaObserver QUIET = MediaObserver.NONE;

    @Setup(Level.Trial)
    public void trial() {
        channel = new EmbeddedChannel();
        plane = MediaPlane.attachedTo(new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", Duration.ofSeconds(30)), channel);
        producer = new Producer(plane, "bench", QUIET, null, 0x1234, 1);
        WebRtcTransport pt = new WebRtcTransport(plane, "pub", "pubpasswordpubpassword00", null, producer, System.nanoTime());
        producer.transport = pt;
        publisherKeys = keys();
        pt.address = PUBLISHER;
        plane.latch(pt, PUBLISHER);
        for (int i = 0; i < consumers; i++) {
            Consumer c = new Consumer(plane, producer, QUIET, null, 0x5000 + i, "c" + i, 111);
            WebRtcTransport ct = new WebRtcTransport(plane, "c" + i, "consumerpasswordconsum00", null, c, System.nanoTime());
            c.transport = ct;
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", 41000 + i);
            plane.latch(ct, to);
            ct.srtp = new SrtpSession(keys());
            producer.attach(c);
        }
    }

    @Setup(Level.Invocation)
    public void encryptBatch() {
        // Fresh inbound SRTP state each invocation, so the pre-encrypted batch is never a replay.
        producer.transport.srtp = new SrtpSession(publisherKeys);
        clientSide = new SrtpSession(mirror(publisherKeys));
        seq = 0;
        for (int i = 0; i < BATCH; i++) {
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(12 + 8 + PAYLOAD + 32);
            RtpPacket.writeHeader(b, 111, false, seq++, timestamp += 960, 0x1234, 1, true, 30);
            b.writeBytes(random(PAYLOAD));
            clientSide.protectRtp(b);
            batch[i] = b;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void forward(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            ByteBuf b = batch[i];
            plane.onDatagram(b, PUBLISHER, System.nanoTime());
            b.release();
            channel.flush();
            Object out;
            while ((out = channel.readOutbound()) != null) {
                bh.consume(out);
                ReferenceCountUtil.release(out);
                forwarded++;
            }
        }
    }

    @TearDown(Level.Invocation)
    public void count() {
        invocations++;
    }

    /** A benchmark that forwards nothing would be fast and wrong: every packet must reach every Consumer. */
    @TearDown(Level.Iteration)
    public void check() {
        long expected = invocations * BATCH * (long) consumers;
        if (forwarded != expected) {
            throw new IllegalStateException("forwarded " + forwarded + " datagrams, expected " + expected);
        }
        forwarded = 0;
        invocations = 0;
    }

    @TearDown(Level.Trial)
    public void close() {
        producer.close();
        channel.finishAndReleaseAll();
    }
}
