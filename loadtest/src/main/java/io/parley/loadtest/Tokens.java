package io.parley.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.crypto.SecretKey;

/** Where a bot's token comes from: minted here from the App's secret, or asked of a dev token endpoint. */
interface Tokens {
    long appId();

    CompletableFuture<String> token(String userId, String roomId);

    static Tokens of(CommonOptions o) {
        if (o.tokenUrl != null) {
            return DevEndpoint.open(o.tokenUrl, o.app, o.connectTimeout);
        }
        if (o.secret == null || o.secret.isEmpty()) {
            throw new BadSettings("no way to make tokens: pass --app and --secret (or PARLEY_APP_SECRET), or --token-url");
        }
        if (o.app == null) {
            throw new BadSettings("--secret needs --app (the AppID the secret belongs to)");
        }
        return new Minted(o.app, o.secret, o.tokenTtl);
    }

    /** HS256 JWTs with ZEGO's privilege-token claims: app_id, user_id, privilege {"1":1,"2":1}, iat, nbf, exp. */
    final class Minted implements Tokens {
        private final long appId;
        private final SecretKey key;
        private final Duration ttl;

        Minted(long appId, String secret, Duration ttl) {
            if (appId <= 0 || appId > 0xFFFF_FFFFL) {
                throw new BadSettings("--app " + appId + " (expected: 1..4294967295)");
            }
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 32) {
                throw new BadSettings("--secret: " + bytes.length + " bytes (expected: >= 32 bytes, as the server's App secrets are)");
            }
            this.appId = appId;
            this.key = Keys.hmacShaKeyFor(bytes);
            this.ttl = ttl;
        }

        @Override
        public long appId() {
            return appId;
        }

        @Override
        public CompletableFuture<String> token(String userId, String roomId) {
            return CompletableFuture.completedFuture(mint(userId));
        }

        String mint(String userId) {
            Instant now = Instant.now();
            Instant from = now.minusSeconds(30); // tolerate a server clock a little behind ours
            return Jwts.builder()
                    .claim("app_id", appId)
                    .claim("user_id", userId)
                    .claim("privilege", Map.of("1", 1, "2", 1))
                    .issuedAt(Date.from(from))
                    .notBefore(Date.from(from))
                    .expiration(Date.from(now.plus(ttl)))
                    .signWith(key, Jwts.SIG.HS256)
                    .compact();
        }
    }

    /** GET {url}?user=U&room=R answering {"appID":N,"token":"..."} (the server's --dev endpoint). */
    final class DevEndpoint implements Tokens {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final URI url;
        private final long appId;
        private final HttpClient http;

        private DevEndpoint(URI url, long appId, HttpClient http) {
            this.url = url;
            this.appId = appId;
            this.http = http;
        }

        /** Asks once up front so that a wrong URL stops the run before it starts, and learns the AppID. */
        static DevEndpoint open(URI url, Long app, Duration timeout) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
            DevEndpoint probe = new DevEndpoint(url, app == null ? 0 : app, http);
            JsonNode first;
            try {
                first = probe.fetch("parley-loadtest-probe", null).get();
            } catch (Exception e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                throw new BadSettings("--token-url " + url + ": " + c.getMessage()
                        + " (expected: an endpoint answering {\"appID\":N,\"token\":\"...\"}, such as a --dev server's /dev/token)");
            }
            long appId = app != null ? app : first.path("appID").asLong();
            if (appId <= 0) {
                throw new BadSettings("--token-url " + url + " answered without an appID (pass --app)");
            }
            return new DevEndpoint(url, appId, http);
        }

        @Override
        public long appId() {
            return appId;
        }

        @Override
        public CompletableFuture<String> token(String userId, String roomId) {
            return fetch(userId, roomId).thenApply(n -> n.path("token").asText());
        }

        private CompletableFuture<JsonNode> fetch(String userId, String roomId) {
            String q = "user=" + enc(userId) + (roomId == null ? "" : "&room=" + enc(roomId));
            String base = url.toString();
            URI u = URI.create(base + (base.contains("?") ? "&" : "?") + q);
            HttpRequest req = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(10)).GET().build();
            return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + r.statusCode() + " " + r.body().strip());
                }
                try {
                    JsonNode n = JSON.readTree(r.body());
                    if (!n.path("token").isTextual()) {
                        throw new IllegalStateException("no token in " + r.body().strip());
                    }
                    return n;
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("not JSON: " + r.body().strip(), e);
                }
            });
        }

        private static String enc(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8);
        }
    }
}
