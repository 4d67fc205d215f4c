package io.parley.server.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A business server's webhook endpoint: a real HTTP server on 127.0.0.1 that records what it is sent. */
final class Receiver implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final AtomicInteger tries = new AtomicInteger();
    /** Answer 500 to this many first tries. */
    volatile int failFirst;
    /** Never answer until released. */
    volatile boolean hang;
    final CountDownLatch release = new CountDownLatch(1);

    Receiver() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.setExecutor(Executors.newCachedThreadPool());
        http.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            int n = tries.incrementAndGet();
            if (hang) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (n <= failFirst) {
                ex.sendResponseHeaders(500, -1);
                ex.close();
                return;
            }
            received.add(JSON.readTree(body));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        http.start();
    }

    String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/hook";
    }

    List<String> events() {
        return received.stream().map(n -> n.path("event").asText()).toList();
    }

    @Override
    public void close() {
        release.countDown();
        http.stop(0);
    }
}
