package io.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.server.config.AppConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

/** Both token formats, every rejection with its code and a message that says what was wrong. */
class TokenVerifierTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static final AppConfig APP = new AppConfig(1234, SECRET);
    private static final AppConfig CBC_APP = new AppConfig(1234, SECRET, true);
    private static final byte[] KEY = SECRET.getBytes(StandardCharsets.UTF_8);
    private final TokenVerifier verifier = new TokenVerifier(Clock.fixed(NOW, ZoneOffset.UTC));

    private static String jwt(long app, String user, String room, boolean login, boolean publish, List<String> streams) {
        return JwtTokens.mint(app, user, KEY, NOW.minusSeconds(10), NOW.plusSeconds(3600), room, login, publish, streams);
    }

    private static void rejected(ThrowableAssert.ThrowingCallable call, int code, String messagePart) {
        assertThatThrownBy(call).isInstanceOf(ProtocolException.class)
                .hasMessageContaining(messagePart)
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(code));
    }

    @Test
    void jwtWithZegoClaimsGrantsWhatItSays() {
        TokenClaims c = verifier.verifyLogin(APP, jwt(1234, "alice", "r1", true, true, List.of("s1")), "alice", "r1");
        assertThat(c.userId()).isEqualTo("alice");
        assertThat(c.roomId()).isEqualTo("r1");
        assertThat(c.canPublish()).isTrue();
        assertThat(c.mayPublish("s1")).isTrue();
        assertThat(c.mayPublish("s2")).isFalse();
        assertThat(c.format()).isEqualTo("jwt");
        assertThat(c.expireEpochSeconds()).isEqualTo(NOW.plusSeconds(3600).getEpochSecond());
    }

    @Test
    void jwtRejections() {
        rejected(() -> verifier.verifyLogin(APP, "not-a-token", "a", "r"), ErrorCode.TOKEN_INVALID, "malformed JWT");
        rejected(() -> verifier.verifyLogin(APP, "", "a", "r"), ErrorCode.TOKEN_INVALID, "token: empty");
        String expired = JwtTokens.mint(1234, "a", KEY, NOW.minusSeconds(7200), NOW.minusSeconds(60), null, true, true, null);
        rejected(() -> verifier.verifyLogin(APP, expired, "a", "r"), ErrorCode.TOKEN_EXPIRED, "expired");
        String early = JwtTokens.mint(1234, "a", KEY, NOW.plusSeconds(600), NOW.plusSeconds(7200), null, true, true, null);
        rejected(() -> verifier.verifyLogin(APP, early, "a", "r"), ErrorCode.TOKEN_INVALID, "not valid before");
        String otherKey = JwtTokens.mint(1234, "a", "ffffffffffffffffffffffffffffffff".getBytes(StandardCharsets.UTF_8),
                NOW, NOW.plusSeconds(60), null, true, true, null);
        rejected(() -> verifier.verifyLogin(APP, otherKey, "a", "r"), ErrorCode.TOKEN_INVALID, "signature");
        rejected(() -> verifier.verifyLogin(APP, jwt(1234, "bob", null, true, true, null), "a", "r"),
                ErrorCode.TOKEN_INVALID, "user_id 'bob' does not match the login's userID 'a'");
        rejected(() -> verifier.verifyLogin(APP, jwt(999, "a", null, true, true, null), "a", "r"),
                ErrorCode.TOKEN_INVALID, "app_id 999 does not match");
        rejected(() -> verifier.verifyLogin(APP, jwt(1234, "a", "r1", true, true, null), "a", "r2"),
                ErrorCode.TOKEN_INVALID, "room_id 'r1' does not allow room 'r2'");
        rejected(() -> verifier.verifyLogin(APP, jwt(1234, "a", null, false, true, null), "a", "r"),
                ErrorCode.TOKEN_INVALID, "privilege 1 (loginRoom) not granted");
    }

    @Test
    void jwtWithAlgNoneIsRefused() {
        String header = b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        String body = b64url("{\"app_id\":1234,\"user_id\":\"a\",\"exp\":" + NOW.plusSeconds(60).getEpochSecond() + "}");
        rejected(() -> verifier.verifyLogin(APP, header + "." + body + ".", "a", "r"), ErrorCode.TOKEN_INVALID, "unsigned");
    }

    /** A JWS signed here, header and claims as given (so each can be wrong in one way). */
    private static String signed(String headerJson, String claimsJson) throws Exception {
        String input = b64url(headerJson) + "." + b64url(claimsJson);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void jwtMalformationsAndUnsupportedHeadersAreRefusedWithWhatWasWrong() throws Exception {
        long exp = NOW.plusSeconds(60).getEpochSecond();
        String claims = "{\"app_id\":1234,\"user_id\":\"a\",\"exp\":" + exp + "}";
        String hs256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
        assertThat(verifier.verifyLogin(APP, signed(hs256, claims), "a", "r").userId()).isEqualTo("a");
        assertThat(verifier.verifyLogin(APP, signed(hs256, claims.replace(exp + "", exp + ".5")), "a", "r").expireEpochSeconds())
                .as("a NumericDate may have a fraction").isEqualTo(exp);
        rejected(() -> verifier.verifyLogin(APP, "a.b.c.d", "a", "r"), ErrorCode.TOKEN_INVALID, "3 periods");
        rejected(() -> verifier.verifyLogin(APP, "a!.b.c", "a", "r"), ErrorCode.TOKEN_INVALID, "header is not base64url");
        rejected(() -> verifier.verifyLogin(APP, b64url("[1]") + ".e30.", "a", "r"), ErrorCode.TOKEN_INVALID,
                "header is not a JSON object");
        rejected(() -> verifier.verifyLogin(APP, b64url("{\"alg\":") + ".e30.", "a", "r"), ErrorCode.TOKEN_INVALID,
                "header is not JSON");
        rejected(() -> verifier.verifyLogin(APP, signed("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", claims), "a", "r"),
                ErrorCode.TOKEN_INVALID, "header member crit");
        rejected(() -> verifier.verifyLogin(APP, signed("{\"alg\":\"HS256\",\"zip\":\"DEF\"}", claims), "a", "r"),
                ErrorCode.TOKEN_INVALID, "header member zip");
        rejected(() -> verifier.verifyLogin(APP, signed("{\"alg\":\"RS256\"}", claims), "a", "r"), ErrorCode.TOKEN_INVALID,
                "alg RS256 (expected: HS256)");
        rejected(() -> verifier.verifyLogin(APP, signed("{\"alg\":\"HS256\",\"alg\":\"none\"}", claims), "a", "r"),
                ErrorCode.TOKEN_INVALID, "Duplicate field 'alg'");
        rejected(() -> verifier.verifyLogin(APP, signed(hs256, claims.replace("}", ",\"user_id\":\"b\"}")), "a", "r"),
                ErrorCode.TOKEN_INVALID, "Duplicate field 'user_id'");
        rejected(() -> verifier.verifyLogin(APP, signed(hs256, claims.replace(exp + "", "\"" + exp + "\"")), "a", "r"),
                ErrorCode.TOKEN_INVALID, "exp: \"" + exp + "\" (expected: epoch seconds, a number)");
        rejected(() -> verifier.verifyLogin(APP, signed(hs256, "\"text\""), "a", "r"), ErrorCode.TOKEN_INVALID,
                "payload is not a JSON object");
        String good = signed(hs256, claims);
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + b64url(claims.replace("\"a\"", "\"b\"")) + "." + parts[2];
        rejected(() -> verifier.verifyLogin(APP, tampered, "b", "r"), ErrorCode.TOKEN_INVALID, "signature does not verify");
        rejected(() -> verifier.verifyLogin(APP, parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10), "a", "r"),
                ErrorCode.TOKEN_INVALID, "signature does not verify");
        rejected(() -> verifier.verifyLogin(APP, parts[0] + "." + parts[1] + ".", "a", "r"), ErrorCode.TOKEN_INVALID,
                "signature does not verify");
    }

    @Test
    void jwtWithAnotherHmacAlgorithmIsRefused() {
        byte[] longKey = (SECRET + SECRET).getBytes(StandardCharsets.UTF_8);
        String hs512 = Jwts.builder().claim("app_id", 1234).claim("user_id", "a")
                .expiration(Date.from(NOW.plusSeconds(60)))
                .signWith(Keys.hmacShaKeyFor(longKey), Jwts.SIG.HS512).compact();
        assertThatThrownBy(() -> verifier.verifyLogin(APP, hs512, "a", "r")).isInstanceOf(ProtocolException.class)
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.TOKEN_INVALID));
    }

    @Test
    void jwtWithoutExpiryIsRefused() {
        String noExp = Jwts.builder().claim("app_id", 1234).claim("user_id", "a")
                .signWith(Keys.hmacShaKeyFor(KEY), Jwts.SIG.HS256).compact();
        rejected(() -> verifier.verifyLogin(APP, noExp, "a", "r"), ErrorCode.TOKEN_INVALID, "exp: missing");
    }

    @Test
    void publishChecks() {
        TokenClaims noPublish = verifier.verifyLogin(APP, jwt(1234, "a", null, true, false, null), "a", "r");
        rejected(() -> verifier.verifyPublish(noPublish, "s1"), ErrorCode.PUBLISH_FORBIDDEN, "privilege 2");
        TokenClaims listed = verifier.verifyLogin(APP, jwt(1234, "a", null, true, true, List.of("only")), "a", "r");
        verifier.verifyPublish(listed, "only");
        rejected(() -> verifier.verifyPublish(listed, "other"), ErrorCode.PUBLISH_FORBIDDEN, "stream_id_list");
    }

    // ---- token04, built here byte by byte from the reference layout (independent of Token04.mint) ----

    private static String token04(boolean gcm, byte[] key, long expire, String json) throws Exception {
        byte[] iv = new byte[gcm ? 12 : 16];
        for (int i = 0; i < iv.length; i++) {
            iv[i] = (byte) ('a' + i);
        }
        Cipher c = Cipher.getInstance(gcm ? "AES/GCM/NoPadding" : "AES/CBC/PKCS5Padding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), gcm ? new GCMParameterSpec(128, iv) : new IvParameterSpec(iv));
        byte[] ct = c.doFinal(json.getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + iv.length + 2 + ct.length + (gcm ? 1 : 0));
        b.putLong(expire).putShort((short) iv.length).put(iv).putShort((short) ct.length).put(ct);
        if (gcm) {
            b.put((byte) 1);
        }
        return "04" + Base64.getEncoder().encodeToString(b.array());
    }

    private static String plain(String user, long expire, String payload) {
        return "{\"app_id\":1234,\"user_id\":\"" + user + "\",\"nonce\":-12345,\"ctime\":" + NOW.getEpochSecond()
                + ",\"expire\":" + expire + ",\"payload\":" + payload + "}";
    }

    @Test
    void token04BothEnvelopesVerify() throws Exception {
        long exp = NOW.plusSeconds(600).getEpochSecond();
        String privilege = "\"{\\\"room_id\\\":\\\"r1\\\",\\\"privilege\\\":{\\\"1\\\":1,\\\"2\\\":0},\\\"stream_id_list\\\":null}\"";
        TokenClaims gcm = verifier.verifyLogin(APP, token04(true, KEY, exp, plain("a", exp, privilege)), "a", "r1");
        assertThat(gcm.format()).isEqualTo("token04-GCM");
        assertThat(gcm.roomId()).isEqualTo("r1");
        assertThat(gcm.canPublish()).isFalse();
        TokenClaims cbc = verifier.verifyLogin(CBC_APP, token04(false, KEY, exp, plain("a", exp, "\"\"")), "a", "any");
        assertThat(cbc.format()).isEqualTo("token04-CBC");
        assertThat(cbc.canPublish()).as("a basic token04 (empty payload) grants everything").isTrue();
        assertThat(cbc.roomId()).isNull();
    }

    @Test
    void token04Rejections() throws Exception {
        long exp = NOW.plusSeconds(600).getEpochSecond();
        byte[] otherKey = "ffffffffffffffffffffffffffffffff".getBytes(StandardCharsets.UTF_8);
        rejected(() -> verifier.verifyLogin(APP, token04(true, otherKey, exp, plain("a", exp, "\"\"")), "a", "r"),
                ErrorCode.TOKEN_INVALID, "does not decrypt");
        rejected(() -> verifier.verifyLogin(CBC_APP, token04(false, otherKey, exp, plain("a", exp, "\"\"")), "a", "r"),
                ErrorCode.TOKEN_INVALID, Token04.CBC_REFUSAL);
        long past = NOW.minusSeconds(1).getEpochSecond();
        rejected(() -> verifier.verifyLogin(APP, token04(true, KEY, past, plain("a", past, "\"\"")), "a", "r"),
                ErrorCode.TOKEN_EXPIRED, "expired");
        rejected(() -> verifier.verifyLogin(APP, token04(true, KEY, exp, plain("b", exp, "\"\"")), "a", "r"),
                ErrorCode.TOKEN_INVALID, "user_id 'b'");
        rejected(() -> verifier.verifyLogin(APP, "04!!!notbase64", "a", "r"), ErrorCode.TOKEN_INVALID, "Base64");
        rejected(() -> verifier.verifyLogin(APP, "04AAAA", "a", "r"), ErrorCode.TOKEN_INVALID, "truncated");
        String denied = "\"{\\\"privilege\\\":{\\\"1\\\":0,\\\"2\\\":1}}\"";
        rejected(() -> verifier.verifyLogin(APP, token04(true, KEY, exp, plain("a", exp, denied)), "a", "r"),
                ErrorCode.TOKEN_INVALID, "privilege 1");
    }

    @Test
    void token04MintedByTheCommandRoundTrips() {
        long exp = NOW.plusSeconds(600).getEpochSecond();
        for (Token04.Envelope e : Token04.Envelope.values()) {
            String t = Token04.mint(e, 1234, "a", KEY, NOW.getEpochSecond(), exp,
                    "{\"room_id\":\"\",\"privilege\":{\"1\":1,\"2\":1},\"stream_id_list\":[\"s\"]}");
            TokenClaims c = verifier.verifyLogin(CBC_APP, t, "a", "r");
            assertThat(c.streamIds()).containsExactly("s");
            assertThat(c.format()).isEqualTo("token04-" + e);
        }
    }

    @Test
    void cbcToken04IsRefusedUnlessTheAppOptsIn() throws Exception {
        long exp = NOW.plusSeconds(600).getEpochSecond();
        String good = token04(false, KEY, exp, plain("a", exp, "\"\""));
        rejected(() -> verifier.verifyLogin(APP, good, "a", "r"), ErrorCode.TOKEN_INVALID, "legacy AES-CBC envelope");
        assertThat(verifier.verifyLogin(CBC_APP, good, "a", "r").format()).isEqualTo("token04-CBC");
    }

    /**
     * The padding-oracle attack that forged tokens: the attacker flips bytes of the block before the last and
     * learns from the answer whether the padding was good. Every tampered token, whatever its padding and
     * whatever its plaintext turns into (bad padding, good padding with garbage, JSON with other claims, an
     * expired token, another user), must get the very same answer.
     */
    @Test
    void everyCbcFailureGetsTheSameAnswer() throws Exception {
        long exp = NOW.plusSeconds(600).getEpochSecond();
        String good = token04(false, KEY, exp, plain("a", exp, "\"\""));
        byte[] bin = Base64.getDecoder().decode(good.substring(2));
        int ctStart = 8 + 2 + 16 + 2;
        int ctLen = bin.length - ctStart;
        int prevBlockLast = ctStart + ctLen - 16 - 1; // last byte of the second-to-last block: drives the last padding byte
        Set<String> answers = new HashSet<>();
        int goodPadding = 0;
        for (int v = 0; v < 256; v++) {
            byte[] t = bin.clone();
            t[prevBlockLast] = (byte) v;
            if (t[prevBlockLast] == bin[prevBlockLast]) {
                continue;
            }
            goodPadding += paddingIsGood(t, ctStart) ? 1 : 0;
            String forged = "04" + Base64.getEncoder().encodeToString(t);
            answers.add(answerTo(() -> verifier.verifyLogin(CBC_APP, forged, "a", "r")));
        }
        assertThat(goodPadding).as("some tampered tokens have good padding (the oracle's signal)").isPositive();
        long past = NOW.minusSeconds(1).getEpochSecond();
        answers.add(answerTo(() -> verifier.verifyLogin(CBC_APP, token04(false, KEY, past, plain("a", past, "\"\"")), "a", "r")));
        answers.add(answerTo(() -> verifier.verifyLogin(CBC_APP, token04(false, KEY, exp, "not json at all"), "a", "r")));
        answers.add(answerTo(() -> verifier.verifyLogin(CBC_APP, token04(false, KEY, exp, "{\"app_id\":1234}"), "a", "r")));
        answers.add(answerTo(() -> verifier.verifyLogin(CBC_APP, token04(false, KEY, exp, plain("b", exp, "\"\"")), "a", "r")));
        assertThat(answers).hasSize(1);
        assertThat(answers.iterator().next()).startsWith(ErrorCode.TOKEN_INVALID + " ").endsWith(Token04.CBC_REFUSAL);
    }

    private static boolean paddingIsGood(byte[] token, int ctStart) throws Exception {
        byte[] iv = Arrays.copyOfRange(token, 10, 26);
        byte[] ct = Arrays.copyOfRange(token, ctStart, token.length);
        Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(KEY, "AES"), new IvParameterSpec(iv));
        byte[] p = c.doFinal(ct);
        int pad = p[p.length - 1] & 0xFF;
        if (pad < 1 || pad > 16) {
            return false;
        }
        for (int i = 1; i <= pad; i++) {
            if ((p[p.length - i] & 0xFF) != pad) {
                return false;
            }
        }
        return true;
    }

    private static String answerTo(ThrowableAssert.ThrowingCallable call) {
        try {
            call.call();
        } catch (ProtocolException e) {
            return e.code() + " " + e.getMessage();
        } catch (Throwable t) {
            throw new AssertionError("expected a ProtocolException", t);
        }
        throw new AssertionError("a tampered token was accepted");
    }

    @Test
    void jwtIssuedInTheFutureIsRefusedBeyondTheSkew() {
        String farFuture = JwtTokens.mint(1234, "a", KEY, NOW.plusSeconds(3600), NOW.plusSeconds(7200), null, true, true, null);
        rejected(() -> verifier.verifyLogin(APP, farFuture, "a", "r"), ErrorCode.TOKEN_INVALID, "not valid before");
        String iatOnly = Jwts.builder().claim("app_id", 1234).claim("user_id", "a")
                .issuedAt(Date.from(NOW.plusSeconds(600))).expiration(Date.from(NOW.plusSeconds(3600)))
                .signWith(Keys.hmacShaKeyFor(KEY), Jwts.SIG.HS256).compact();
        rejected(() -> verifier.verifyLogin(APP, iatOnly, "a", "r"), ErrorCode.TOKEN_INVALID, "in the future");
        String slightlyAhead = JwtTokens.mint(1234, "a", KEY, NOW.plusSeconds(30), NOW.plusSeconds(3600), null, true, true, null);
        assertThat(verifier.verifyLogin(APP, slightlyAhead, "a", "r").userId()).as("within the 60 s skew").isEqualTo("a");
    }

    @Test
    void secretsNeverShowInToString() {
        assertThat(APP.toString()).doesNotContain(SECRET).contains("redacted");
        assertThat(Map.of("app", APP).toString()).doesNotContain(SECRET);
    }

    private static String b64url(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
