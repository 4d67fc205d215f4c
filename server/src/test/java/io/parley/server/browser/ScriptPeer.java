package io.parley.server.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A WebRTC peer in a Python script from the test resources (aiortc/peer.py, gstreamer/peer.py), as
 * AiortcInteropTest drives it: JSON lines on stdin and stdout ({"offer"} out, {"answer"} in, then what it measured);
 * the test carries the SDP over Parley's signalling. Closing it closes stdin, which ends the script.
 */
final class ScriptPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String label;
    private final Process process;
    /** Lines by their "id" ("" for a single-connection script), each in order. */
    private final Map<String, BlockingQueue<JsonNode>> out = new ConcurrentHashMap<>();
    private final StringBuffer stderr = new StringBuffer();
    /** What it said besides offers, for failure messages. */
    private final StringBuffer said = new StringBuffer();
    private final OutputStream in;

    /**
     * The first of /usr/bin/python3 (Debian's packages are for it, and pyenv may shadow it) and python3 that runs
     * {@code probe} with exit status 0, or null.
     */
    static String python(String probe) {
        for (String candidate : new String[] {"/usr/bin/python3", "python3"}) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", probe).redirectErrorStream(true).start();
                p.getInputStream().transferTo(OutputStream.nullOutputStream());
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // not this one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    ScriptPeer(String label, String python, String resource, String... args) throws IOException {
        this.label = label;
        Path script = Files.createTempFile("parley-peer", ".py");
        try (InputStream res = ScriptPeer.class.getResourceAsStream(resource)) {
            if (res == null) {
                throw new IOException("no test resource " + resource);
            }
            Files.write(script, res.readAllBytes());
        }
        script.toFile().deleteOnExit();
        List<String> command = new ArrayList<>(List.of(python, script.toString()));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).start();
        in = process.getOutputStream();
        pump(process.getInputStream(), line -> {
            JsonNode n = JSON.readTree(line);
            queue(n.path("id").asText("")).add(n);
        }, label + "-out");
        pump(process.getErrorStream(), line -> stderr.append(line).append('\n'), label + "-err");
    }

    private interface LineSink {
        void accept(String line) throws IOException;
    }

    private static void pump(InputStream from, LineSink sink, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private BlockingQueue<JsonNode> queue(String id) {
        return out.computeIfAbsent(id, k -> new LinkedBlockingQueue<>());
    }

    /** The next line that matches, waiting at most {@code wait}; an {"error"} line fails at once. */
    JsonNode await(Predicate<JsonNode> what, Duration wait) throws InterruptedException {
        return await("", what, wait);
    }

    /** The next line of connection {@code id} (a "multi" script) that matches; an {"error"} line fails at once. */
    JsonNode await(String id, Predicate<JsonNode> what, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            JsonNode n = queue(id).poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (n == null) {
                throw new AssertionError(label + (id.isEmpty() ? "" : " " + id) + " said nothing that matched within "
                        + wait + " (it said: " + said + "); stderr:\n" + stderr);
            }
            if (!n.has("offer")) {
                said.append(n).append(' ');
            }
            if (n.has("error")) {
                throw new AssertionError(label + " failed: " + n.get("error").asText() + "; stderr:\n" + stderr);
            }
            if (what.test(n)) {
                return n;
            }
        }
    }

    synchronized void send(Map<String, ?> message) throws IOException {
        in.write((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            in.close();
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
