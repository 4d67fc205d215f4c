package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * Where a transport's packets go once ICE latched it: the UDP socket the check came in on and the peer's address,
 * or the peer's ICE-TCP connection (RFC 6544; its pipeline adds the RFC 4571 length prefix). Immutable, so the
 * DTLS pool and the media loop see both halves together.
 */
record MediaPath(Channel channel, InetSocketAddress remote, IceTcpConnection tcp) {
    static MediaPath udp(Channel socket, InetSocketAddress remote) {
        return new MediaPath(socket, remote, null);
    }

    static MediaPath tcp(IceTcpConnection connection) {
        return new MediaPath(connection.channel(), connection.remote(), connection);
    }

    boolean isTcp() {
        return tcp != null;
    }

    /** Queues a packet (ownership passes here): a UDP write waits for the plane's flush, a TCP one is sent now. */
    void write(ByteBuf packet) {
        if (tcp != null) {
            tcp.send(packet);
        } else {
            // A void promise: no promise object per packet. A failed send reaches the socket's exceptionCaught
            // (counted and logged there, MediaInbound), where a listener per packet would otherwise be needed.
            channel.write(new DatagramPacket(packet, remote), channel.voidPromise());
        }
    }

    void writeAndFlush(ByteBuf packet) {
        if (tcp != null) {
            tcp.send(packet);
        } else {
            channel.writeAndFlush(new DatagramPacket(packet, remote), channel.voidPromise());
        }
    }

    @Override
    public String toString() {
        return (tcp != null ? "tcp " : "udp ") + remote;
    }
}
