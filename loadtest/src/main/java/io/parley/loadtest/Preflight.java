package io.parley.loadtest;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Checks made before a run starts: counts, this process's socket budget, and that the server answers. */
final class Preflight {
    /** Descriptors the JVM, the HTTP sampler and the report need besides the bots' sockets. */
    static final int HEADROOM_FDS = 64;

    private Preflight() {}

    static void positive(String option, long value) {
        if (value <= 0) {
            throw new BadSettings(option + " " + value + " (expected: > 0)");
        }
    }

    static void notNegative(String option, double value) {
        if (value < 0) {
            throw new BadSettings(option + " " + value + " (expected: >= 0)");
        }
    }

    /**
     * Each session holds one TCP socket and each media transport one UDP socket; together with
     * {@link #HEADROOM_FDS} they must fit in this process's open-files limit (ulimit -n).
     */
    static void fitsFileLimit(String what, long sockets, long maxFds, long openFds) {
        long need = sockets + HEADROOM_FDS;
        long available = maxFds - openFds;
        if (need > available) {
            throw new BadSettings(what + " needs " + sockets + " sockets (+" + HEADROOM_FDS + " spare) but this process may open "
                    + available + " more files (ulimit -n " + maxFds + ", " + openFds + " open): "
                    + "lower the counts, raise ulimit -n, or run several load generators");
        }
    }

    static void fitsFileLimit(String what, long sockets) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            fitsFileLimit(what, sockets, unix.getMaxFileDescriptorCount(), unix.getOpenFileDescriptorCount());
        }
    }

    /** Loopback connections to one server port each take a local ephemeral port. */
    static void fitsEphemeralPorts(long connections) {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (!Files.isReadable(range)) {
            return;
        }
        try {
            String[] lo = Files.readString(range).trim().split("\\s+");
            long ports = Long.parseLong(lo[1]) - Long.parseLong(lo[0]) + 1;
            if (connections > ports) {
                throw new BadSettings(connections + " connections to one server address exceed the " + ports
                        + " local ports of net.ipv4.ip_local_port_range (" + lo[0] + "-" + lo[1] + ")");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadSettings b) {
                throw b;
            }
        }
    }

    static int port(URI url) {
        if (url.getPort() > 0) {
            return url.getPort();
        }
        return "wss".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    static void checkUrl(URI url) {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("ws"))) {
            throw new BadSettings("--url " + url + " (expected: ws://host:port/ws; wss is not supported by the Java client yet)");
        }
        if (url.getHost() == null) {
            throw new BadSettings("--url " + url + ": no host (expected: ws://host:port/ws)");
        }
    }

    /** A plain TCP connect, so that a wrong URL fails in seconds with the URL in the message, not per bot. */
    static void reachable(URI url, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(url.getHost(), port(url)), (int) Math.max(1, timeout.toMillis()));
        } catch (IOException e) {
            throw new BadSettings("cannot reach the server at " + url + ": " + e.getMessage()
                    + " (is it running? check --url)");
        }
    }
}
