package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.nio.NioIoHandler;
import io.parley.protocol.media.IceCandidate;
import io.parley.protocol.media.Parsed;
import io.parley.protocol.media.StunEncoder;
import io.parley.protocol.media.StunMessage;
import io.parley.server.config.ParleyConfig;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ICE-TCP side of a real media plane on 127.0.0.1, driven by raw sockets: RFC 4571 frames split and coalesced
 * any way TCP likes reach the STUN check; garbage, an oversize frame, silence and too many connections are closed
 * and counted, and a verified check makes the connection the transport's path.
 */
class IceTcpTest {
    private static final String UFRAG = "tcpU";
    private static final String PWD = "tcppasswordtcppassword";
    private static final int PER_ADDRESS = 3;
    MediaPlane plane;
    private WebRtcTransport transport;

    @BeforeEach
    void start() throws Exception {
        ParleyConfig.Media config = new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", Duration.ofSeconds(1))
                .withTcp(true, 0, 100, PER_ADDRESS);
        plane = startPlane(config);
        Producer owner = new Producer(ownerLoop(), "tcp-stream", event -> { }, null, -1, 1);
        transport = new WebRtcTransport(plane, UFRAG, PWD, null, owner, plane.clock().nanoTime());
        owner.transport = transport;
        owner.shard.loop.submit(() -> plane.register(transport)).get(5, TimeUnit.SECONDS);
    }

    /** The plane under test: one NIO loop here; {@link IceTcpOtherLoopTest} runs two, the transport on the second. */
    MediaPlane startPlane(ParleyConfig.Media config) throws InterruptedException {
        return MediaPlane.start(config, NioIoHandler.newFactory(), false, MediaClock.SYSTEM);
    }

    /** The loop the transport lives on (ICE-TCP connections live on the first). */
    MediaLoop ownerLoop() {
        return plane.firstLoop();
    }

    @AfterEach
    void stop() {
        if (plane != null) {
            plane.close();
        }
    }

    @Test
    void answersAreAnnouncedAsPassiveTcpCandidatesBelowUdp() {
        List<IceCandidate> candidates = plane.candidates();
        assertThat(candidates).hasSize(2);
        IceCandidate udp = candidates.get(0);
        IceCandidate tcp = candidates.get(1);
        assertThat(udp.transport()).isEqualTo("udp");
        assertThat(udp.port()).isEqualTo(plane.port());
        assertThat(tcp.transport()).isEqualTo("tcp");
        assertThat(tcp.port()).isEqualTo(tcpPort()).isNotEqualTo(0);
        assertThat(tcp.sdpValue()).endsWith(" 127.0.0.1 " + tcpPort() + " typ host tcptype passive");
        assertThat(udp.priority()).isGreaterThan(tcp.priority());
    }

    @Test
    void aCheckSplitAcrossWritesIsAnsweredOnTheConnectionWhichBecomesTheTransportsPath() throws Exception {
        try (Socket s = connect()) {
            byte[] tx = transactionId();
            byte[] frame = frame(check(tx, true));
            OutputStream out = s.getOutputStream();
            // The length prefix one byte at a time, then the body in two pieces.
            out.write(frame, 0, 1);
            out.flush();
            out.write(frame, 1, 1);
            out.flush();
            out.write(frame, 2, 10);
            out.flush();
            out.write(frame, 12, frame.length - 12);
            out.flush();

            StunMessage answer = readStun(s);
            assertThat(answer.isBindingSuccess()).isTrue();
            assertThat(answer.transactionIdEquals(tx)).isTrue();
            assertThat(answer.xorMappedAddress()).isEqualTo(s.getLocalSocketAddress());
            assertThat(answer.checkIntegrity(StunMessage.shortTermKey(PWD))).isTrue();
            MediaPath path = onLoop(() -> transport.path);
            assertThat(path.isTcp()).isTrue();
            assertThat(path.remote()).isEqualTo(s.getLocalSocketAddress());

            // Two checks coalesced in one write: two answers, in order.
            byte[] a = transactionId();
            byte[] b = transactionId();
            byte[] both = concat(frame(check(a, false)), frame(check(b, false)));
            out.write(both);
            out.flush();
            assertThat(readStun(s).transactionIdEquals(a)).isTrue();
            assertThat(readStun(s).transactionIdEquals(b)).isTrue();
        }
        // The peer closed the connection: the transport has no path until the next check.
        await("path cleared").atMost(Duration.ofSeconds(5)).until(() -> onLoop(() -> transport.path) == null);
    }

    @Test
    void garbageBeforeAnyCheckClosesTheConnection() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(frame(new byte[] {(byte) 0xFF, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
            s.getOutputStream().flush();
            assertClosedByServer(s);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> counters().closed(IceTcpCounters.Close.NOT_ICE) == 1);
        assertThat(onLoop(() -> transport.path)).isNull();
    }

    @Test
    void aCheckForAnUnknownUfragGetsNoAnswerAndTheConnectionCloses() throws Exception {
        try (Socket s = connect()) {
            byte[] request = StunEncoder.bindingRequest(transactionId(), "nobody:client", 1, true, 7, true,
                    StunMessage.shortTermKey(PWD));
            s.getOutputStream().write(frame(request));
            assertClosedByServer(s);
        }
        assertThat(plane.counters().dropped(DropReason.STUN_UNKNOWN_USERNAME)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> counters().closed(IceTcpCounters.Close.NOT_ICE) == 1);
    }

    @Test
    void anOversizeFrameClosesTheConnectionBeforeItsBodyArrives() throws Exception {
        try (Socket s = connect()) {
            // Announces 65535 bytes (over the 2048-byte cap) and sends only a few: no waiting for the rest.
            s.getOutputStream().write(new byte[] {(byte) 0xFF, (byte) 0xFF, 0, 1, 2, 3});
            s.getOutputStream().flush();
            assertClosedByServer(s);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> counters().closed(IceTcpCounters.Close.FRAME_TOO_LARGE) == 1);
    }

    @Test
    void aConnectionThatSendsNoCheckIsClosedAtTheDeadline() throws Exception {
        try (Socket s = connect()) {
            long start = System.nanoTime();
            assertClosedByServer(s);
            // media.iceTimeout is 1 s here (shorter than the 5 s default deadline).
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(500));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> counters().closed(IceTcpCounters.Close.NO_ICE_CHECK) == 1);
    }

    @Test
    void connectionsOverThePerAddressCapAreClosedAtOnce() throws Exception {
        Socket[] kept = new Socket[PER_ADDRESS];
        try {
            for (int i = 0; i < PER_ADDRESS; i++) {
                kept[i] = connect();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> counters().open() == PER_ADDRESS);
            try (Socket over = connect()) {
                assertClosedByServer(over);
            }
            assertThat(counters().refused(IceTcpCounters.Refusal.ADDRESS)).isEqualTo(1);
            // The ones within the cap still work.
            byte[] tx = transactionId();
            kept[0].getOutputStream().write(frame(check(tx, false)));
            assertThat(readStun(kept[0]).transactionIdEquals(tx)).isTrue();
        } finally {
            for (Socket s : kept) {
                if (s != null) {
                    s.close();
                }
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> counters().open() == 0);
    }

    // ---- helpers ----

    private IceTcpCounters counters() {
        return plane.tcpCounters();
    }

    private int tcpPort() {
        return plane.tcpAddresses().get(0).getPort();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", tcpPort()), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    private static byte[] check(byte[] tx, boolean nominate) {
        return StunEncoder.bindingRequest(tx, UFRAG + ":client", 1845501695L, true, 42, nominate,
                StunMessage.shortTermKey(PWD));
    }

    private static byte[] transactionId() {
        byte[] tx = new byte[12];
        ThreadLocalRandom.current().nextBytes(tx);
        return tx;
    }

    private static byte[] frame(byte[] packet) {
        byte[] out = new byte[packet.length + 2];
        out[0] = (byte) (packet.length >> 8);
        out[1] = (byte) packet.length;
        System.arraycopy(packet, 0, out, 2, packet.length);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static StunMessage readStun(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        int length = in.readUnsignedShort();
        byte[] body = new byte[length];
        in.readFully(body);
        Parsed<StunMessage> parsed = StunMessage.parse(body);
        assertThat(parsed.isOk()).as("a STUN message in the frame").isTrue();
        return parsed.value();
    }

    /** The server closes: the read ends (EOF or reset) before the socket's 5 s timeout. */
    private static void assertClosedByServer(Socket s) throws IOException {
        try {
            int b = s.getInputStream().read();
            assertThat(b).as("no byte, the end of the stream").isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open", e);
        } catch (EOFException | java.net.SocketException e) {
            // reset by the server: closed too
        }
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> read) throws Exception {
        return transport.shard.loop.submit(read).get(5, TimeUnit.SECONDS);
    }
}
