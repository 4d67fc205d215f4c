package io.parley.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A business server's side of the server API, written from the reference alone (not from the server's code):
 * signs with md5(AppId + SignatureNonce + ServerSecret + Timestamp) and calls over real HTTP.
 */
public final class ApiCaller {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;
    private final long appId;
    private final String secret;

    public ApiCaller(int port, long appId, String secret) {
        this.port = port;
        this.appId = appId;
        this.secret = secret;
    }

    static String md5(String s) throws Exception {
        byte[] d = MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        StringBuilder b = new StringBuilder();
        for (byte x : d) {
            b.append(String.format("%02x", x));
        }
        return b.toString();
    }

    static String nonce() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    /** The common parameters, signed now with a fresh nonce. */
    Map<String, String> common(String action) throws Exception {
        return common(action, nonce(), System.currentTimeMillis() / 1000, secret);
    }

    Map<String, String> common(String action, String nonce, long timestamp, String signWith) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("Action", action);
        p.put("AppId", Long.toString(appId));
        p.put("SignatureNonce", nonce);
        p.put("Timestamp", Long.toString(timestamp));
        p.put("SignatureVersion", "2.0");
        p.put("Signature", md5(appId + nonce + signWith + timestamp));
        return p;
    }

    /** GET with the common parameters and {@code params}; a List value is written {@code Name[]=a&Name[]=b}. */
    public JsonNode get(String action, Map<String, ?> params) throws Exception {
        return getRaw(common(action), params);
    }

    JsonNode getRaw(Map<String, String> common, Map<String, ?> params) throws Exception {
        List<String> parts = new ArrayList<>();
        common.forEach((k, v) -> parts.add(enc(k) + "=" + enc(v)));
        params.forEach((k, v) -> {
            if (v instanceof List<?> l) {
                l.forEach(e -> parts.add(enc(k + "[]") + "=" + enc(String.valueOf(e))));
            } else {
                parts.add(enc(k) + "=" + enc(String.valueOf(v)));
            }
        });
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?"
                + String.join("&", parts))).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return envelope(r);
    }

    /** POST: the common parameters in the query, the business ones as a JSON body. */
    public JsonNode post(String action, Map<String, ?> body) throws Exception {
        List<String> parts = new ArrayList<>();
        common(action).forEach((k, v) -> parts.add(enc(k) + "=" + enc(v)));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?"
                        + String.join("&", parts))).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
        return envelope(r);
    }

    HttpResponse<String> raw(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode envelope(HttpResponse<String> r) throws Exception {
        if (r.statusCode() != 200) {
            throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
        }
        JsonNode n = JSON.readTree(r.body());
        if (!n.has("Code") || !n.has("Message") || !n.has("RequestId") || !n.has("Data")) {
            throw new AssertionError("not an envelope: " + r.body());
        }
        return n;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
