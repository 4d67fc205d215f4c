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
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Dual stack on loopback: the media plane binds 127.0.0.1 and ::1 (one UDP socket and one ICE-TCP listener each),
 * announces a candidate per address with its socket's port, and answers an ICE check on each family from that
 * family's socket. Skips where this host has no IPv6 loopback.
 */
class DualStackTest {
    private static final String UFRAG = "dual";
    private static final String PWD = "dualpassworddualpasswd";
    private MediaPlane plane;
    private WebRtcTransport transport;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback (::1) on this host");
        ParleyConfig.Media config = new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1,::1", Duration.ofSeconds(10))
                .withAnnouncedAddresses("::1");
        plane = MediaPlane.start(config, NioIoHandler.newFactory(), false, MediaClock.SYSTEM);
        Producer owner = new Producer(plane, "dual-stream", event -> { }, null, -1, 1);
        transport = new WebRtcTransport(plane, UFRAG, PWD, null, owner, plane.clock().nanoTime());
        owner.transport = transport;
        plane.executor().submit(() -> plane.register(transport)).get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (plane != null) {
            plane.close();
        }
    }

    @Test
    void eachAddressIsACandidateOnItsOwnSocket() {
        List<InetSocketAddress> udp = plane.udpAddresses();
        List<InetSocketAddress> tcp = plane.tcpAddresses();
        assertThat(udp).hasSize(2);
        int v4 = udp.stream().filter(a -> !(a.getAddress() instanceof Inet6Address)).findFirst().orElseThrow().getPort();
        int v6 = udp.stream().filter(a -> a.getAddress() instanceof Inet6Address).findFirst().orElseThrow().getPort();
        int tcp6 = tcp.stream().filter(a -> a.getAddress() instanceof Inet6Address).findFirst().orElseThrow().getPort();
        List<String> lines = plane.candidates().stream().map(IceCandidate::sdpValue).toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).contains(" udp ").contains(" 127.0.0.1 " + v4 + " typ host");
        assertThat(lines.get(1)).contains(" udp ").contains(" ::1 " + v6 + " typ host");
        assertThat(lines.get(3)).contains(" tcp ").contains(" ::1 " + tcp6 + " typ host tcptype passive");
        List<IceCandidate> c = plane.candidates();
        assertThat(c.get(0).priority()).isGreaterThan(c.get(1).priority());
        assertThat(c.get(1).priority()).isGreaterThan(c.get(2).priority()); // any UDP above any TCP
    }

    @Test
    void aCheckOverIpv6UdpIsAnsweredFromTheIpv6SocketAndLatched() throws Exception {
        InetSocketAddress server6 = plane.udpAddresses().stream().filter(a -> a.getAddress() instanceof Inet6Address)
                .findFirst().orElseThrow();
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("::1", 0))) {
            client.setSoTimeout(5000);
            byte[] tx = new byte[12];
            ThreadLocalRandom.current().nextBytes(tx);
            byte[] check = StunEncoder.bindingRequest(tx, UFRAG + ":c", 1, true, 9, true, StunMessage.shortTermKey(PWD));
            client.send(new DatagramPacket(check, check.length, new InetSocketAddress("::1", server6.getPort())));
            DatagramPacket in = new DatagramPacket(new byte[1500], 1500);
            client.receive(in);
            assertThat(in.getPort()).isEqualTo(server6.getPort());
            Parsed<StunMessage> answer = StunMessage.parse(java.util.Arrays.copyOf(in.getData(), in.getLength()));
            assertThat(answer.value().isBindingSuccess()).isTrue();
            assertThat(answer.value().xorMappedAddress()).isEqualTo(client.getLocalSocketAddress());
            MediaPath path = plane.executor().submit(() -> transport.path).get(5, TimeUnit.SECONDS);
            assertThat(path.isTcp()).isFalse();
            assertThat(path.remote().getAddress()).isInstanceOf(Inet6Address.class);
        }
    }

    @Test
    void iceTcpOverIpv6() throws Exception {
        InetSocketAddress tcp6 = plane.tcpAddresses().stream().filter(a -> a.getAddress() instanceof Inet6Address)
                .findFirst().orElseThrow();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("::1", tcp6.getPort()), 2000);
            s.setSoTimeout(5000);
            byte[] tx = new byte[12];
            ThreadLocalRandom.current().nextBytes(tx);
            byte[] check = StunEncoder.bindingRequest(tx, UFRAG + ":c", 1, true, 9, false, StunMessage.shortTermKey(PWD));
            byte[] frame = new byte[check.length + 2];
            frame[0] = (byte) (check.length >> 8);
            frame[1] = (byte) check.length;
            System.arraycopy(check, 0, frame, 2, check.length);
            s.getOutputStream().write(frame);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] body = new byte[in.readUnsignedShort()];
            in.readFully(body);
            assertThat(StunMessage.parse(body).value().transactionIdEquals(tx)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> plane.executor().submit(() -> transport.path)
                    .get(5, TimeUnit.SECONDS) != null);
        }
    }

    private static boolean ipv6Loopback() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
