package io.parley.server.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.time.LocalTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** One browser tab: evaluates JavaScript (awaiting promises) and keeps its console for the failure report. */
final class Page {
    private final Chromium browser;
    private final String name;
    private final String session;
    private final List<String> console = new CopyOnWriteArrayList<>();

    Page(Chromium browser, String name, String session) {
        this.browser = browser;
        this.name = name;
        this.session = session;
    }

    String name() {
        return name;
    }

    /**
     * Evaluates an expression (a promise is awaited) and returns its value as JSON. A thrown error or a rejected
     * promise fails with the page's description of it; a rejection with {code, message} keeps both.
     */
    JsonNode eval(String expression) {
        return eval(expression, Chromium.CALL_TIMEOUT);
    }

    JsonNode eval(String expression, Duration timeout) {
        ObjectNode params = Chromium.JSON.createObjectNode()
                .put("expression", expression)
                .put("awaitPromise", true)
                .put("returnByValue", true)
                .put("timeout", timeout.toMillis());
        JsonNode res = browser.call(session, "Runtime.evaluate", params, timeout.plusSeconds(5));
        JsonNode ex = res.get("exceptionDetails");
        if (ex != null) {
            JsonNode thrown = ex.path("exception");
            String what = thrown.has("value") ? thrown.get("value").toString()
                    : thrown.path("description").asText(ex.path("text").asText());
            throw new PageException(name + ": " + what + "\n  while evaluating: " + abbreviate(expression)
                    + "\n  console:\n" + consoleText());
        }
        return res.path("result").path("value");
    }

    /** Runs a statement for its effect. */
    void run(String statement) {
        eval("(async () => { " + statement + " })()");
    }

    boolean isTrue(String expression) {
        return eval(expression).asBoolean(false);
    }

    /** Saves a PNG of the page (kept under target/ for a look at what the demo showed). */
    void screenshot(Path file) throws IOException {
        JsonNode shot = browser.call(session, "Page.captureScreenshot", Chromium.JSON.createObjectNode().put("format", "png"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    /** The page's console and uncaught errors so far, one line each. */
    String consoleText() {
        return console.stream().map(l -> "    " + l).collect(Collectors.joining("\n"));
    }

    void onEvent(JsonNode msg) {
        String method = msg.path("method").asText();
        JsonNode p = msg.path("params");
        if (method.equals("Runtime.consoleAPICalled")) {
            String text = consoleArgs(p.path("args"));
            console.add(LocalTime.now() + " " + p.path("type").asText() + " " + text);
        } else if (method.equals("Runtime.exceptionThrown")) {
            JsonNode d = p.path("exceptionDetails");
            console.add(LocalTime.now() + " uncaught " + d.path("exception").path("description").asText(d.path("text").asText()));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    /** A failure inside the page. */
    static final class PageException extends RuntimeException {
        PageException(String message) {
            super(message);
        }
    }

    /** Console arguments the way DevTools shows them, roughly. */
    private static String consoleArgs(JsonNode args) {
        StringBuilder b = new StringBuilder();
        for (JsonNode a : args) {
            if (b.length() > 0) {
                b.append(' ');
            }
            if (a.has("value")) {
                b.append(a.get("value").isTextual() ? a.get("value").asText() : a.get("value").toString());
            } else if (a.has("description")) {
                b.append(a.get("description").asText());
            } else if (a.has("unserializableValue")) {
                b.append(a.get("unserializableValue").asText());
            } else {
                b.append(a.path("type").asText());
            }
        }
        return b.toString();
    }
}
