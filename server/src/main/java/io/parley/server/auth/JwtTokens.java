package io.parley.server.auth;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.signal.SignalCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * JWT (HS256 only) carrying the claims of ZEGO's privilege token: app_id, user_id, room_id,
 * privilege {"1": login, "2": publish}, stream_id_list, exp (required), nbf and iat (honoured).
 */
public final class JwtTokens {
    private JwtTokens() {}

    /**
     * Header and claims are read strictly: a member named twice is an error, not "the last one wins" (two
     * readers of one token must not see different claims).
     */
    private static final ObjectReader STRICT_JSON = SignalCodec.MAPPER.reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    /** A Mac per thread: {@code Mac.getInstance} looks the provider up each time, a measurable part of a login. */
    private static final ThreadLocal<Mac> HMAC_SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JRE", e);
        }
    });

    /**
     * Verifies a compact JWS (RFC 7515) signed with HS256 and reads its claims. Written out rather than through
     * jjwt's parser, which cost about 0.7 ms of CPU per login (its generic JSON mapping and a provider lookup per
     * call; BENCHMARKS.md, "CPU per join"): the steps are few and fixed. The signature is checked before the
     * claims are parsed; the header names HS256 and nothing we would have to understand ({@code crit}, {@code zip},
     * {@code b64}, a JWE's {@code enc}).
     */
    static TokenClaims verify(byte[] secret, String token, Instant now, Duration skew) {
        int dot1 = token.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
        if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
            throw Privileges.invalid("malformed JWT: " + (token.chars().filter(c -> c == '.').count())
                    + " periods (expected: header.payload.signature, exactly 2)");
        }
        JsonNode header = json(token, 0, dot1, "header");
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual() || "none".equals(alg.textValue()) || header.has("enc")) {
            throw Privileges.invalid("unsigned or unsupported JWT (expected: HS256-signed JWS)");
        }
        if (!"HS256".equals(alg.textValue())) {
            throw Privileges.invalid("alg " + alg.textValue() + " (expected: HS256)");
        }
        for (String member : new String[] {"crit", "zip", "b64"}) {
            if (header.has(member)) {
                throw Privileges.invalid("unsigned or unsupported JWT: header member " + member
                        + " (expected: a plain HS256-signed JWS)");
            }
        }
        byte[] signature = base64(token, dot2 + 1, token.length(), "signature");
        Mac mac = HMAC_SHA256.get();
        byte[] expected;
        try {
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            expected = mac.doFinal(token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 refused the App's secret", e);
        }
        if (!MessageDigest.isEqual(expected, signature)) { // constant time
            throw Privileges.invalid("signature does not verify with this App's secret");
        }
        JsonNode json = json(token, dot1 + 1, dot2, "payload");
        Instant exp = time(json, "exp");
        if (exp == null) {
            throw Privileges.invalid("exp: missing (expected: expiry in epoch seconds)");
        }
        if (!exp.isAfter(now)) { // the skew is for clocks running ahead, never for expiry
            throw new ProtocolException(ErrorCode.TOKEN_EXPIRED, "token expired at " + exp + " (now " + now + ")");
        }
        Instant nbf = time(json, "nbf");
        if (nbf != null && nbf.isAfter(now.plus(skew))) {
            throw Privileges.invalid("not valid before " + nbf + " (now " + now + ")");
        }
        Instant iat = time(json, "iat");
        if (iat != null && iat.isAfter(now.plus(skew))) {
            throw Privileges.invalid("iat " + iat + " is in the future (now " + now
                    + ", allowed skew " + skew.toSeconds() + " s)");
        }
        JsonNode appId = json.get("app_id");
        if (appId == null || !appId.isIntegralNumber()) {
            throw Privileges.invalid("app_id: expected an integer");
        }
        JsonNode userId = json.get("user_id");
        if (userId == null || !userId.isTextual()) {
            throw Privileges.invalid("user_id: expected a string");
        }
        JsonNode privilege = json.get("privilege");
        return new TokenClaims(appId.asLong(), userId.textValue(), Privileges.roomId(json.get("room_id")),
                Privileges.granted(privilege, Privileges.LOGIN_KEY), Privileges.granted(privilege, Privileges.PUBLISH_KEY),
                Privileges.streamIds(json.get("stream_id_list")), exp.getEpochSecond(), "jwt");
    }

    /** A JOSE segment: base64url (RFC 7515 section 2: no padding, though padded input is accepted as jjwt did). */
    private static byte[] base64(String token, int from, int to, String what) {
        try {
            return Base64.getUrlDecoder().decode(token.substring(from, to));
        } catch (IllegalArgumentException e) {
            throw Privileges.invalid("malformed JWT: " + what + " is not base64url (" + e.getMessage() + ")");
        }
    }

    private static JsonNode json(String token, int from, int to, String what) {
        byte[] bytes = base64(token, from, to, what);
        JsonNode node;
        try {
            node = STRICT_JSON.readTree(bytes);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            throw Privileges.invalid("malformed JWT: " + what + " is not JSON (" + (nl < 0 ? m : m.substring(0, nl)) + ")");
        }
        if (node == null || !node.isObject()) {
            throw Privileges.invalid("malformed JWT: " + what + " is not a JSON object");
        }
        return node;
    }

    /** A NumericDate claim (RFC 7519 section 2: seconds since the epoch, fractions allowed); null when absent. */
    private static Instant time(JsonNode claims, String name) {
        JsonNode n = claims.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber() || !Double.isFinite(n.doubleValue()) || Math.abs(n.doubleValue()) > 1e14) {
            throw Privileges.invalid(name + ": " + n + " (expected: epoch seconds, a number)");
        }
        return n.isIntegralNumber() ? Instant.ofEpochSecond(n.longValue())
                : Instant.ofEpochMilli((long) Math.floor(n.doubleValue() * 1000));
    }

    /** Mints a JWT for the App (used by the token command, the dev endpoint and tests). */
    public static String mint(long appId, String userId, byte[] secret, Instant issuedAt, Instant expiresAt,
                              String roomId, boolean login, boolean publish, List<String> streamIds) {
        Map<String, Object> privilege = new LinkedHashMap<>();
        privilege.put(Privileges.LOGIN_KEY, login ? 1 : 0);
        privilege.put(Privileges.PUBLISH_KEY, publish ? 1 : 0);
        var b = Jwts.builder()
                .claim("app_id", appId)
                .claim("user_id", userId)
                .claim("privilege", privilege)
                .issuedAt(Date.from(issuedAt))
                .notBefore(Date.from(issuedAt))
                .expiration(Date.from(expiresAt));
        if (roomId != null) {
            b.claim("room_id", roomId);
        }
        if (streamIds != null && !streamIds.isEmpty()) {
            b.claim("stream_id_list", streamIds);
        }
        return b.signWith(Keys.hmacShaKeyFor(secret), Jwts.SIG.HS256).compact();
    }
}
