package io.parley.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.media.RtcpCodec;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpNegotiator;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import io.parley.protocol.signal.Envelope;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.auth.JwtTokens;
import io.parley.server.auth.Token04;
import io.parley.server.auth.TokenVerifier;
import io.parley.server.config.AppConfig;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated inputs for every parser that reads bytes from the network or a client: signalling JSON
 * ({@link SignalCodec}), tokens (token04 and JWT through {@link TokenVerifier}), STUN, RTP, RTCP and SDP. Property:
 * only the parser's typed error escapes ({@link ProtocolException}, a {@code Parsed} error, a {@code Status},
 * {@link IllegalArgumentException} for SDP), no buffer leaks (the suite runs under the paranoid
 * {@code NettyLeakExtension}), no input takes more than {@link #MAX_MILLIS_PER_INPUT} of CPU.
 * <p>Tries per parser: {@code -Dparley.fuzz.tries=N} (default 2,000; the nightly run uses 10,000,000, see
 * BENCHMARKS.md "Fuzzing"); seed: {@code -Dparley.fuzz.seed} (default random, printed on failure with the input).
 * Only one parser: {@code -Dtest=ParserFuzzTest#stun}. Crashers found are kept in {@link Crashers}.
 */
class ParserFuzzTest {
    private static final int TRIES = Integer.getInteger("parley.fuzz.tries", 2_000);
    private static final long SEED = Long.getLong("parley.fuzz.seed", System.nanoTime());
    /** Generous: the build shares two cores with other builds. A hang or a quadratic blow-up is far above it. */
    /**
     * Measured in this thread's CPU time, not wall time: a parser that loops burns CPU, while a busy machine only
     * delays it (a first input that loaded classes took 4.4 s of wall time at a load average of 28 on 2 cores).
     */
    private static final long MAX_MILLIS_PER_INPUT = 2_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final long APP = 1_234_567;

    // ---- the loop ----

    private interface Input {
        byte[] next(Random rnd);
    }

    private static void fuzz(String name, Input input, Consumer<byte[]> parser) {
        Random rnd = new Random(SEED);
        long started = System.nanoTime();
        for (int i = 0; i < TRIES; i++) {
            byte[] in = input.next(rnd);
            long t0 = THREADS.getCurrentThreadCpuTime();
            try {
                parser.accept(in);
            } catch (RuntimeException | Error e) {
                throw new AssertionError(name + ": input " + i + " (seed " + SEED + ") threw " + e + "; input: "
                        + HexFormat.of().formatHex(in), e);
            }
            long ms = (THREADS.getCurrentThreadCpuTime() - t0) / 1_000_000;
            if (ms > MAX_MILLIS_PER_INPUT) {
                throw new AssertionError(name + ": input " + i + " (seed " + SEED + ") took " + ms + " ms of CPU; input: "
                        + HexFormat.of().formatHex(in));
            }
        }
        if (TRIES >= 100_000) {
            System.out.printf("fuzz %s: %,d inputs in %.1f s (seed %d)%n", name, TRIES,
                    (System.nanoTime() - started) / 1e9, SEED);
        }
    }

    /** A third random bytes, the rest mutations of one of the seeds. */
    private static Input mutating(List<byte[]> seeds, int maxRandom) {
        return rnd -> {
            if (rnd.nextInt(3) == 0) {
                byte[] r = new byte[rnd.nextInt(maxRandom)];
                rnd.nextBytes(r);
                return r;
            }
            return Mutator.mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
        };
    }

    // ---- signalling JSON ----

    private static final List<Class<?>> MESSAGES = List.of(Messages.LoginRoom.class, Messages.LogoutRoom.class,
            Messages.StartPublishing.class, Messages.StopPublishing.class, Messages.StartPlaying.class);

    @Test
    void signalJson() {
        List<byte[]> seeds = utf8(
                "{\"id\":1,\"type\":\"loginRoom\",\"data\":{\"roomID\":\"r1\",\"token\":\"t\",\"user\":{\"userID\":\"u\",\"userName\":\"n\"},\"config\":{\"isUserStatusNotify\":true,\"maxMemberCount\":0}}}",
                "{\"id\":\"a\",\"type\":\"startPublishing\",\"data\":{\"streamID\":\"s\",\"extraInfo\":\"\",\"sdp\":\"v=0\\r\\n\"}}",
                "{\"id\":2,\"type\":\"startPlaying\",\"data\":{\"streamID\":\"s\",\"sdp\":null}}",
                "{\"id\":3,\"type\":\"logoutRoom\",\"data\":{\"roomID\":\"r1\"}}",
                "{\"id\":4,\"type\":\"stopPublishing\",\"data\":{\"streamID\":[1,2,{\"a\":1e400}]}}",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
        fuzz("signal JSON", mutating(seeds, 300), in -> {
            Envelope env;
            try {
                env = SignalCodec.parseRequest(new ByteArrayInputStream(in));
            } catch (ProtocolException expected) {
                return;
            }
            for (Class<?> type : MESSAGES) {
                try {
                    SignalCodec.bind(env, type);
                } catch (ProtocolException expected) {
                    // typed
                }
            }
        });
    }

    // ---- tokens ----

    @Test
    void tokens() {
        long now = 1_800_000_000L;
        TokenVerifier verifier = new TokenVerifier(Clock.fixed(Instant.ofEpochSecond(now), ZoneOffset.UTC));
        AppConfig gcm = new AppConfig(APP, new String(SECRET, StandardCharsets.US_ASCII));
        AppConfig cbc = new AppConfig(APP, new String(SECRET, StandardCharsets.US_ASCII), true);
        List<byte[]> seeds = utf8(
                JwtTokens.mint(APP, "u1", SECRET, Instant.ofEpochSecond(now - 5), Instant.ofEpochSecond(now + 3600),
                        "r1", true, true, null),
                JwtTokens.mint(APP, "u1", SECRET, Instant.ofEpochSecond(now - 5), Instant.ofEpochSecond(now + 3600),
                        null, true, false, List.of("s1")),
                Token04.mint(Token04.Envelope.GCM, APP, "u1", SECRET, now - 5, now + 3600, ""),
                Token04.mint(Token04.Envelope.CBC, APP, "u1", SECRET, now - 5, now + 3600,
                        "{\"room_id\":\"r1\",\"privilege\":{\"1\":1,\"2\":1},\"stream_id_list\":[\"s1\"]}"),
                "04", "eyJ.eyJ.", "a.b.c");
        fuzz("tokens", mutating(seeds, 400), in -> {
            String token = new String(in, StandardCharsets.UTF_8);
            for (AppConfig app : List.of(gcm, cbc)) {
                try {
                    verifier.verifyLogin(app, token, "u1", "r1");
                } catch (ProtocolException expected) {
                    // typed
                }
            }
        });
    }

    // ---- STUN ----

    @Test
    void stun() {
        byte[] key = StunMessage.shortTermKey("serverpasswordserverpwd1");
        byte[] tx = new byte[12];
        List<byte[]> seeds = List.of(
                StunEncoder.bindingRequest(tx, "abcd:efgh", 1, true, 42, true, key),
                StunEncoder.bindingRequest(tx, "x:y", 0xFFFFFFFFL, false, -1, false, null),
                StunEncoder.bindingSuccess(tx, new InetSocketAddress("127.0.0.1", 5000), key),
                StunEncoder.bindingSuccess(tx, new InetSocketAddress("::1", 5000), null),
                StunEncoder.bindingError(tx, StunEncoder.UNAUTHORIZED, "bad integrity", null));
        fuzz("STUN", mutating(seeds, 200), in -> {
            var first = StunMessage.parse(in);
            if (first.isOk()) {
                touch(first.value(), key);
            }
            ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(in.length).writeBytes(in);
            try {
                StunMessage.isStun(buf);
                var second = StunMessage.parse(buf);
                if (second.isOk()) {
                    touch(second.value(), key);
                }
            } finally {
                buf.release();
            }
        });
    }

    private static void touch(StunMessage m, byte[] key) {
        m.username();
        m.xorMappedAddress();
        m.priority();
        m.iceControlling();
        m.iceControlled();
        m.useCandidate();
        m.errorCode();
        m.errorReason();
        m.software();
        m.checkIntegrity(key);
        m.checkFingerprint();
        m.toByteArray();
        m.toString();
    }

    // ---- RTP ----

    @Test
    void rtp() {
        List<byte[]> seeds = new ArrayList<>();
        for (int variant = 0; variant < 4; variant++) {
            ByteBuf b = Unpooled.buffer();
            RtpPacket.writeHeader(b, 111, variant % 2 == 0, 65535, 0xFFFFFFFFL, 0x1234, variant, variant >= 2, variant);
            b.writeBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            seeds.add(bytes(b));
        }
        RtpPacket view = new RtpPacket();
        fuzz("RTP", mutating(seeds, 100), in -> {
            ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(in.length).writeBytes(in);
            try {
                if (view.wrap(buf) == RtpPacket.Status.OK) {
                    view.sequenceNumber();
                    view.timestamp();
                    view.ssrc();
                    view.payloadType();
                }
            } finally {
                buf.release();
            }
        });
    }

    // ---- RTCP ----

    @Test
    void rtcp() {
        List<RtcpPacket> all = List.of(
                new RtcpPacket.SenderReport(1, 2, 3, 4, 5, List.of(new RtcpPacket.ReportBlock(9, 10, 11, 12, 13, 14, 15))),
                new RtcpPacket.ReceiverReport(1, List.of(new RtcpPacket.ReportBlock(9, 255, -1, 12, 13, 14, 15))),
                new RtcpPacket.SourceDescription(List.of(new RtcpPacket.SdesChunk(1, "cname"), new RtcpPacket.SdesChunk(2, ""))),
                new RtcpPacket.Bye(List.of(1L, 2L), "gone"),
                RtcpPacket.Nack.of(1, 2, 10, 11, 12, 30, 65535, 0),
                new RtcpPacket.Pli(1, 2),
                new RtcpPacket.Fir(1, List.of(new RtcpPacket.FirEntry(2, 3))));
        List<byte[]> seeds = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            ByteBuf b = Unpooled.buffer();
            RtcpCodec.writeCompound(b, List.of(all.get(i), all.get((i + 1) % all.size())));
            seeds.add(bytes(b));
        }
        ByteBuf big = Unpooled.buffer();
        RtcpCodec.writeCompound(big, all);
        seeds.add(bytes(big));
        fuzz("RTCP", mutating(seeds, 300), in -> {
            ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(in.length).writeBytes(in);
            try {
                var parsed = RtcpCodec.parse(buf);
                if (parsed.isOk()) {
                    for (RtcpPacket p : parsed.value()) {
                        if (p instanceof RtcpPacket.Nack n) {
                            n.lostSequenceNumbers();
                        }
                        p.toString();
                    }
                }
            } finally {
                buf.release();
            }
        });
    }

    // ---- SDP ----

    @Test
    void sdp() {
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce("cliufrag", "clientpasswordclientpwd1",
                new Sdp.Fingerprint("sha-256", String.join(":", Collections.nCopies(32, "AB"))));
        List<byte[]> seeds = utf8(
                SdpWriter.offer(Sdp.Direction.SENDONLY, ice, new SdpWriter.LocalSource(1234, "cname1", "s", "t"), 1),
                SdpWriter.offer(Sdp.Direction.RECVONLY, ice, null, 2),
                Crashers.chromeOffer());
        fuzz("SDP", rnd -> {
            byte[] in = mutating(seeds, 400).next(rnd);
            return rnd.nextInt(4) == 0 ? Mutator.mutateLines(in, rnd) : in;
        }, in -> {
            SessionDescription offer;
            try {
                offer = SessionDescription.parse(new String(in, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException expected) {
                return;
            }
            SdpNegotiator.negotiate(offer, SdpNegotiator.Purpose.PUBLISH);
            SdpNegotiator.negotiate(offer, SdpNegotiator.Purpose.PLAY);
        });
    }

    // ---- crashers found, kept ----

    @Test
    void crashersFoundByThisFuzzerStayFixed() {
        Crashers.replay();
    }

    private static List<byte[]> utf8(String... s) {
        List<byte[]> out = new ArrayList<>();
        for (String x : s) {
            out.add(x.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static byte[] unhex(String s) {
        return HexFormat.of().parseHex(s);
    }

    static {
        assertThat(TRIES).isPositive();
        assertThat(Arrays.asList(MESSAGES)).isNotEmpty();
    }
}
