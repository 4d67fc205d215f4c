package io.parley.server.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol (one WebSocket, flattened sessions). Each
 * {@link #newPage} gets its own browser context, so pages share nothing (cookies, storage, media devices).
 *
 * <p>Why CDP and not Selenium: it needs only the browser (no chromedriver, no Selenium Manager reaching for the
 * network, no jars to keep in step with the browser), {@code Runtime.evaluate} awaits the SDK's promises
 * directly, and the pages' console is streamed into the test output.
 */
final class Chromium implements AutoCloseable {
    static final String BINARY_ENV = "PARLEY_CHROMIUM";
    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"),
            Path.of("/usr/bin/google-chrome"));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket ws;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<String, Consumer<JsonNode>> sessionEvents = new ConcurrentHashMap<>();
    private final List<Page> pages = new CopyOnWriteArrayList<>();

    private Chromium(Process process, Path profile, URI endpoint) {
        this.process = process;
        this.profile = profile;
        this.ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(endpoint, new Listener()).orTimeout(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** The browser binary: $PARLEY_CHROMIUM, else the usual Debian/Ubuntu paths. */
    static Optional<Path> find() {
        String env = System.getenv(BINARY_ENV);
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env)).filter(Files::isExecutable);
        }
        return CANDIDATES.stream().filter(Files::isExecutable).findFirst();
    }

    /** Starts a fresh headless browser with a fake microphone (a beep) and loopback WebRTC allowed. */
    static Chromium launch(Path binary, Path logFile) throws IOException {
        Path profile = Files.createTempDirectory("parley-chromium-");
        List<String> cmd = new ArrayList<>(List.of(binary.toString(),
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                // Background pages must keep their timers and media running: both "users" are in one browser.
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"));
        Files.createDirectories(logFile.getParent());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        try {
            return new Chromium(p, profile, devToolsEndpoint(p, profile, logFile));
        } catch (RuntimeException | IOException e) {
            p.destroyForcibly();
            deleteTree(profile);
            throw e;
        }
    }

    /** Chromium writes the port it picked and the browser target's path to DevToolsActivePort in its profile. */
    private static URI devToolsEndpoint(Process p, Path profile, Path logFile) throws IOException {
        Path file = profile.resolve("DevToolsActivePort");
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!p.isAlive()) {
                throw new IOException("chromium exited with " + p.exitValue() + " before opening DevTools; see " + logFile);
            }
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() >= 2 && !lines.get(1).isBlank()) {
                    return URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
                }
            }
            try {
                p.waitFor(50, TimeUnit.MILLISECONDS);   // waits for the browser, not a fixed pause: returns if it dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting chromium", e);
            }
        }
        throw new IOException("chromium did not write " + file + " within " + START_TIMEOUT + "; see " + logFile);
    }

    /** Opens url in a new, isolated browser context and returns it once attached (not necessarily loaded). */
    Page newPage(String name, String url) {
        String context = call(null, "Target.createBrowserContext", JSON.createObjectNode()).path("browserContextId").asText();
        ObjectNode create = JSON.createObjectNode().put("url", "about:blank").put("browserContextId", context);
        String target = call(null, "Target.createTarget", create).path("targetId").asText();
        ObjectNode attach = JSON.createObjectNode().put("targetId", target).put("flatten", true);
        String session = call(null, "Target.attachToTarget", attach).path("sessionId").asText();
        Page page = new Page(this, name, session);
        sessionEvents.put(session, page::onEvent);
        call(session, "Runtime.enable", JSON.createObjectNode());
        call(session, "Page.enable", JSON.createObjectNode());
        call(session, "Page.navigate", JSON.createObjectNode().put("url", url));
        pages.add(page);
        return page;
    }

    /** One DevTools command; throws when the browser reports an error or does not answer in time. */
    JsonNode call(String sessionId, String method, ObjectNode params) {
        return call(sessionId, method, params, CALL_TIMEOUT);
    }

    JsonNode call(String sessionId, String method, ObjectNode params, Duration timeout) {
        long id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            synchronized (ws) {   // java.net.http.WebSocket allows one outstanding send
                ws.sendText(JSON.writeValueAsString(msg), true).join();
            }
            JsonNode res = reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
            if (res.has("error")) {
                throw new IllegalStateException(method + ": " + res.get("error"));
            }
            return res.path("result");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            pending.remove(id);
        }
    }

    private void onMessage(String text) {
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (IOException e) {
            return;
        }
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.get(msg.get("id").asLong());
            if (f != null) {
                f.complete(msg);
            }
        } else if (msg.has("sessionId")) {
            Consumer<JsonNode> c = sessionEvents.get(msg.get("sessionId").asText());
            if (c != null) {
                c.accept(msg);
            }
        }
    }

    @Override
    public void close() {
        try {
            call(null, "Browser.close", JSON.createObjectNode(), Duration.ofSeconds(5));
        } catch (RuntimeException ignored) {
            // the browser may already be gone; the process is ended below either way
        }
        ws.abort();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        deleteTree(profile);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp profile left behind is harmless
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onMessage(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            pending.values().forEach(f -> f.completeExceptionally(new IOException("DevTools closed: " + statusCode)));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }
}
