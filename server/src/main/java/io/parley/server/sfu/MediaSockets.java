package io.parley.server.sfu;

import io.netty.channel.Channel;
import io.parley.protocol.media.IceCandidate;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The media plane's sockets: per media loop, one UDP socket per bound address ({@code media.bindAddress}, at most one
 * per family; every loop's sockets share the addresses and port) and, with ICE-TCP on, its listeners; and the host
 * candidates they make of the announced addresses.
 */
final class MediaSockets {
    /** Per loop, its UDP sockets in the order of the bound addresses. */
    private final List<List<Channel>> udp;
    /** Null when {@code media.tcp} is off (and for a plane attached to a given channel). */
    private final IceTcpServer tcp;

    MediaSockets(List<List<Channel>> udp, IceTcpServer tcp) {
        this.udp = udp.stream().map(List::copyOf).toList();
        this.tcp = tcp;
    }

    /** The first loop's first UDP socket: its port is the plane's. */
    Channel first() {
        return udp.get(0).get(0);
    }

    IceTcpServer tcp() {
        return tcp;
    }

    /** The bound addresses (the first loop's sockets: the others share them). */
    List<InetSocketAddress> udpAddresses() {
        return udp.get(0).stream().filter(c -> c.localAddress() instanceof InetSocketAddress)
                .map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    List<InetSocketAddress> tcpAddresses() {
        return tcp == null ? List.of() : tcp.listeners().stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    /**
     * A UDP host candidate per announced address (on the port of the socket of its family; {@code fallbackPort} for a
     * channel with no socket address, as in tests), then, with ICE-TCP on, a TCP passive candidate per address.
     */
    List<IceCandidate> candidates(List<String> addresses, int fallbackPort) {
        boolean unbound = !(first().localAddress() instanceof InetSocketAddress);
        return IceCandidate.hosts(addresses, a -> unbound ? fallbackPort : portFor(udp.get(0), a),
                a -> tcp == null ? 0 : portFor(tcp.listeners(), a));
    }

    /** The port of the first of {@code channels} bound to {@code address}'s family (an IPv6 wildcard serves both); 0 if none. */
    static int portFor(List<Channel> channels, String address) {
        boolean v6 = address.contains(":");
        int dualStack = 0;
        for (Channel ch : channels) {
            if (ch.localAddress() instanceof InetSocketAddress local) {
                boolean boundV6 = local.getAddress() instanceof Inet6Address;
                if (boundV6 == v6) {
                    return local.getPort();
                }
                if (boundV6 && local.getAddress().isAnyLocalAddress() && dualStack == 0) {
                    dualStack = local.getPort();
                }
            }
        }
        return dualStack;
    }

    void close() {
        if (tcp != null) {
            tcp.close();
        }
        for (List<Channel> loop : udp) {
            for (Channel ch : loop) {
                ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
    }
}
