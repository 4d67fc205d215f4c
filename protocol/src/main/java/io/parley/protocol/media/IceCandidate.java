package io.parley.protocol.media;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One of the server's own ICE candidates as its answer announces them: a host candidate over UDP, or over TCP as
 * a passive candidate (RFC 6544: the client connects, frames are RFC 4571 length-prefixed). Priorities follow
 * RFC 8445 5.1.2.1, {@code 2^24 * type + 2^8 * local + (256 - component)}, so that where UDP works it wins: UDP host
 * candidates have type preference 126, TCP ones 90 (below UDP's server-reflexive 100 and peer-reflexive 110, as
 * libwebrtc ranks them), with the local preference RFC 6544 4.2 gives a passive host candidate
 * ({@code 2^13 * 4 + other}). Earlier addresses get the higher local preference.
 */
public record IceCandidate(String foundation, String transport, long priority, String address, int port) {
    static final int UDP_HOST_TYPE_PREFERENCE = 126;
    static final int TCP_HOST_TYPE_PREFERENCE = 90;
    /** RFC 6544 4.2: direction preference of a passive host candidate. */
    static final int PASSIVE_HOST_DIRECTION_PREFERENCE = 4;
    private static final Pattern FOUNDATION = Pattern.compile("[A-Za-z0-9+/]{1,32}");

    public IceCandidate {
        if (foundation == null || !FOUNDATION.matcher(foundation).matches()) {
            throw new IllegalArgumentException("foundation: \"" + foundation + "\" (expected: 1..32 ice-chars)");
        }
        if (!"udp".equals(transport) && !"tcp".equals(transport)) {
            throw new IllegalArgumentException("transport: " + transport + " (expected: udp or tcp)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (priority < 1 || priority > 0x7FFFFFFFL) {
            throw new IllegalArgumentException("priority: " + priority + " (expected: 1..2^31-1)");
        }
    }

    public boolean tcp() {
        return "tcp".equals(transport);
    }

    /** A UDP host candidate; {@code rank} 0 is the most preferred address. */
    public static IceCandidate udpHost(int rank, String address, int port) {
        return new IceCandidate(Integer.toString(rank + 1), "udp", priority(UDP_HOST_TYPE_PREFERENCE, 65535 - rank), address, port);
    }

    /** An ICE-TCP passive host candidate; {@code rank} 0 is the most preferred address. */
    public static IceCandidate tcpPassiveHost(int rank, String address, int port) {
        int local = (PASSIVE_HOST_DIRECTION_PREFERENCE << 13) + (8191 - rank);
        return new IceCandidate("t" + (rank + 1), "tcp", priority(TCP_HOST_TYPE_PREFERENCE, local), address, port);
    }

    /**
     * Every candidate for {@code addresses} (in order of preference): one UDP host candidate per address on the port of
     * its family ({@code udpPort}), then, when {@code tcpPort} gives one (> 0), one TCP passive candidate each.
     */
    public static List<IceCandidate> hosts(List<String> addresses, PortOf udpPort, PortOf tcpPort) {
        List<IceCandidate> out = new ArrayList<>();
        for (int i = 0; i < addresses.size(); i++) {
            out.add(udpHost(i, addresses.get(i), udpPort.port(addresses.get(i))));
        }
        for (int i = 0; i < addresses.size(); i++) {
            int port = tcpPort.port(addresses.get(i));
            if (port > 0) {
                out.add(tcpPassiveHost(i, addresses.get(i), port));
            }
        }
        return List.copyOf(out);
    }

    /** The port an address is announced with (by its family); 0 or less: none. */
    @FunctionalInterface
    public interface PortOf {
        int port(String address);
    }

    static long priority(int typePreference, int localPreference) {
        return ((long) typePreference << 24) + ((long) localPreference << 8) + 255; // component 1: 256 - 1
    }

    /** The value of its {@code a=candidate:} line (RFC 8839 5.1, RFC 6544 4.5). */
    public String sdpValue() {
        return foundation + " 1 " + transport + " " + priority + " " + address + " " + port + " typ host"
                + (tcp() ? " tcptype passive" : "");
    }
}
