package io.parley.server.browser;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's coturn ({@code turnserver}) as a process of the test: no config file, loopback only (listening and relay
 * address 127.0.0.1, loopback peers allowed), the TURN REST scheme ({@code use-auth-secret}) with a secret of the
 * test's, no TLS, no CLI, its database and log under target/.
 */
final class Coturn implements AutoCloseable {
    static final String REQUIRE_ENV = "PARLEY_TURN_TESTS_REQUIRED";
    static final String MISSING = "coturn not installed (looked for /usr/bin/turnserver, /usr/sbin/turnserver): apt-get install coturn";

    private final Process process;
    private final int port;
    private final Path log;

    private Coturn(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static Optional<Path> find() {
        for (String p : List.of("/usr/bin/turnserver", "/usr/sbin/turnserver")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.of(Path.of(p));
            }
        }
        return Optional.empty();
    }

    /** Starts coturn on a free port of 127.0.0.1 and waits (with a deadline) until it accepts connections. */
    static Coturn start(Path binary, String secret, String name) throws IOException {
        int port = freePort();
        Path dir = Files.createDirectories(Path.of("target", "coturn-" + name).toAbsolutePath());
        Path log = dir.resolve("turnserver.log");
        Files.deleteIfExists(log);
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-n",
                "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=" + port,
                "--min-port=40000", "--max-port=60000",
                "--use-auth-secret", "--static-auth-secret=" + secret, "--realm=parley.test", "--fingerprint",
                "--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls", "--no-multicast-peers",
                "--db=" + dir.resolve("turndb"), "--pidfile=" + dir.resolve("turnserver.pid"),
                "--log-file=stdout", "--simple-log", "--verbose")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        Coturn turn = new Coturn(p, port, log);
        try {
            await("coturn accepts TCP on 127.0.0.1:" + port).atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException("coturn exited " + p.exitValue() + ":\n" + turn.logText());
                        }
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                            return true;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (RuntimeException e) {
            turn.close();
            throw e;
        }
        return turn;
    }

    int port() {
        return port;
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** A port free on 127.0.0.1 for both TCP and UDP right now. */
    private static int freePort() throws IOException {
        for (int i = 0; i < 20; i++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
                    return port;
                } catch (IOException taken) {
                    // UDP side in use: try another
                }
            }
        }
        throw new IOException("no port free for both TCP and UDP on 127.0.0.1");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
