package io.parley.server.sfu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.parley.server.config.ParleyConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Media sends carry no promise per packet (a void one): a send the kernel refuses must still be counted
 * ({@code parley_media_socket_errors_total}) and must not stop the socket, neither silently nor with an exception
 * per packet in the log.
 */
class MediaSendFailureTest {
    @Test
    void aRefusedSendIsCountedAndTheSocketGoesOnSending() throws Exception {
        boolean epoll = Epoll.isAvailable();
        ParleyConfig.Media config = new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", Duration.ofSeconds(10));
        try (MediaPlane plane = MediaPlane.start(config, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory(), epoll,
                MediaClock.SYSTEM);
             DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Channel socket = plane.channel();
            assertThat(socket.config().getAllocator()).isSameAs(MediaPlane.ALLOCATOR);
            long before = plane.counters().socketErrors();
            // An IPv6 destination from a socket bound to an IPv4 address: the kernel refuses the send.
            MediaPath refused = MediaPath.udp(socket, new InetSocketAddress(InetAddress.getByName("::1"), 9));
            MediaPath fine = MediaPath.udp(socket, (InetSocketAddress) peer.getLocalSocketAddress());
            socket.eventLoop().submit(() -> {
                for (int i = 0; i < 3; i++) {
                    refused.write(datagram("lost " + i));
                }
                fine.writeAndFlush(datagram("after"));
            }).sync();
            await().atMost(Duration.ofSeconds(10)).until(() -> plane.counters().socketErrors() - before >= 3);
            assertThat(plane.counters().socketErrors() - before).isEqualTo(3);
            peer.setSoTimeout(10_000);
            DatagramPacket got = new DatagramPacket(new byte[64], 64);
            peer.receive(got);
            assertThat(new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII)).isEqualTo("after");
        }
    }

    private static ByteBuf datagram(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }
}
