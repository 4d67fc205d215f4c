package io.parley.server.browser;

import static org.awaitility.Awaitility.await;

import io.parley.server.TestServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A dev-mode server on 127.0.0.1:0 (so it serves the demo page, parley.js and /dev/token) and one headless
 * Chromium. The tests skip when Chromium is not installed, unless {@value #REQUIRE_ENV}=true
 * (CI sets it, so a broken install fails instead of passing silently).
 */
final class BrowserRig implements AutoCloseable {
    static final String REQUIRE_ENV = "PARLEY_BROWSER_TESTS_REQUIRED";
    static final Duration PAGE_LOAD = Duration.ofSeconds(20);
    static final String MISSING = "Chromium not installed (looked for $" + Chromium.BINARY_ENV + ", /usr/bin/chromium, "
            + "/usr/bin/chromium-browser, /usr/bin/google-chrome): run .ci/browser-setup.sh";

    private final TestServer server;
    private final Chromium chromium;

    private BrowserRig(TestServer server, Chromium chromium) {
        this.server = server;
        this.chromium = chromium;
    }

    /**
     * Starts the rig, or returns null when Chromium is not installed (then {@link #assumeStarted} skips each test
     * with the reason, so the report says why). Fails instead when {@value #REQUIRE_ENV}=true.
     */
    static BrowserRig startIfAvailable(String testName) throws Exception {
        return startIfAvailable(testName, TestServer.config());
    }

    /** The same with the server's configuration given (dev mode is turned on). */
    static BrowserRig startIfAvailable(String testName, io.parley.server.config.ParleyConfig config) throws Exception {
        Optional<Path> binary = Chromium.find();
        if (binary.isEmpty()) {
            if ("true".equals(System.getenv(REQUIRE_ENV))) {
                Assertions.fail(MISSING + " (" + REQUIRE_ENV + "=true, so this is a failure, not a skip)");
            }
            return null;
        }
        TestServer server = TestServer.start(config.withDev(true));
        try {
            Path log = Path.of("target", "chromium-" + testName + ".log");
            return new BrowserRig(server, Chromium.launch(binary.get(), log));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    static void assumeStarted(BrowserRig rig) {
        Assumptions.assumeTrue(rig != null, MISSING + "; browser test skipped");
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.server().port();
    }

    TestServer server() {
        return server;
    }

    String wsUrl() {
        return server.wsUri().toString();
    }

    long appId() {
        return TestServer.APP;
    }

    /** Opens the demo page (it loads /parley.js) in a fresh browser context and installs the test harness. */
    Page open(String name) {
        return open(name, "/");
    }

    Page open(String name, String path) {
        Page page = chromium.newPage(name, baseUrl() + path);
        await("page " + name + " loads " + path).atMost(PAGE_LOAD).ignoreExceptions()
                .until(() -> page.isTrue("document.readyState === 'complete' && typeof ParleyEngine === 'function'"));
        page.eval(Harness.JS);
        return page;
    }

    @Override
    public void close() {
        try {
            chromium.close();
        } finally {
            server.close();
        }
    }
}
