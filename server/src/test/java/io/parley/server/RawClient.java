package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.WsClient;
import io.parley.protocol.signal.SignalCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A WebSocket speaking raw JSON (or raw bytes) for protocol-level tests; reads with a deadline. */
public final class RawClient implements AutoCloseable {
    private static final long DEADLINE_MS = 10_000;
    private final WsClient ws;
    private final BlockingQueue<String> inbox;
    private final List<JsonNode> seen = new ArrayList<>();
    private long highestSeq;

    RawClient(WsClient ws, BlockingQueue<String> inbox) {
        this.ws = ws;
        this.inbox = inbox;
    }

    public WsClient ws() {
        return ws;
    }

    public void send(String json) {
        ws.sendText(json);
    }

    /** The next message that matches, skipping (and keeping) others; fails after a deadline. */
    public JsonNode next(Predicate<JsonNode> match) {
        for (JsonNode n : seen) {
            if (match.test(n)) {
                seen.remove(n);
                return n;
            }
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (true) {
            long left = end - System.nanoTime();
            String text;
            try {
                text = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            assertThat(text).as("a matching message within %d ms; unmatched so far: %s", DEADLINE_MS, seen).isNotNull();
            JsonNode n;
            try {
                n = SignalCodec.MAPPER.readTree(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            highestSeq = Math.max(highestSeq, n.path("seq").asLong(0));
            if (match.test(n)) {
                return n;
            }
            seen.add(n);
        }
    }

    /** The highest push {@code seq} read from the socket so far (handed out or kept), 0 if none. */
    public long highestSeq() {
        return highestSeq;
    }

    /** The response to request {@code id}. */
    public JsonNode response(String id) {
        return next(n -> n.has("code") && id.equals(n.path("id").asText(null)));
    }

    public JsonNode push(String name) {
        return next(n -> name.equals(n.path("push").asText()));
    }

    /** Sends a request and returns its response. */
    public JsonNode call(String id, String type, String dataJson) {
        send("{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"data\":" + dataJson + "}");
        return response(id);
    }

    public WsClient.Closed awaitClosed() {
        return ws.closed().orTimeout(DEADLINE_MS, TimeUnit.MILLISECONDS).join();
    }

    @Override
    public void close() {
        ws.close();
    }
}
