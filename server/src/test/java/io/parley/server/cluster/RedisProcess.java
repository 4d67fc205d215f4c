package io.parley.server.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server for the cluster tests: 127.0.0.1, a free port, no persistence, its own temporary directory;
 * {@link #stop()} and {@link #start()} again on the same port (the "Redis went away" tests); {@link #close()} ends it.
 * Skips the test when redis-server is not installed, unless PARLEY_REDIS_TESTS_REQUIRED=true (CI).
 */
public final class RedisProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final int port;
    private Process process;

    private RedisProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** The redis-server binary on PATH, or a skip (an AssertionError when PARLEY_REDIS_TESTS_REQUIRED=true). */
    public static String assumeAvailable() {
        String found = null;
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "redis-server");
            if (found == null && Files.isExecutable(p)) {
                found = p.toString();
            }
        }
        if (found == null && "true".equalsIgnoreCase(System.getenv("PARLEY_REDIS_TESTS_REQUIRED"))) {
            throw new AssertionError("redis-server is not on PATH but PARLEY_REDIS_TESTS_REQUIRED=true");
        }
        assumeTrue(found != null, "redis-server is not on PATH (Debian: apt-get install redis-server): skipping the cluster tests");
        return found;
    }

    /** Starts a redis-server on a free loopback port; a port taken between the probe and the bind is retried. */
    public static RedisProcess start() throws IOException, InterruptedException {
        assumeAvailable();
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            RedisProcess r = new RedisProcess(Files.createTempDirectory("parley-redis"), port);
            try {
                r.startProcess();
                return r;
            } catch (IOException e) {
                last = e;
                r.close();
            }
        }
        throw last;
    }

    /** Starts it again on the same port after {@link #stop()} (empty: it keeps nothing). */
    public void restart() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server is running on port " + port);
        }
        startProcess();
    }

    private void startProcess() throws IOException, InterruptedException {
        Path log = dir.resolve("redis.log");
        process = new ProcessBuilder(List.of(assumeAvailable(), "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString(), "--protected-mode", "yes"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(20)).until(() -> !process.isAlive() || ping());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            process.destroyForcibly();
            throw new IOException("redis-server did not answer PING on port " + port + " within " + START_TIMEOUT);
        }
        if (!process.isAlive()) {
            throw new IOException("redis-server exited with " + process.exitValue() + " on port " + port + ": "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
    }

    private boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            s.setSoTimeout(1000);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[7];
            int n = s.getInputStream().read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** The cluster.redisUrl of this server. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** Kills it (SIGKILL: a crash, not a shutdown) and waits for the exit. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server on port " + port + " did not exit");
            }
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
