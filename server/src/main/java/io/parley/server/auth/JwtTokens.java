package io.parley.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.security.Keys;
import io.jsonwebtoken.security.SignatureException;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.signal.SignalCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKey;

/**
 * JWT (HS256 only) carrying the claims of ZEGO's privilege token: app_id, user_id, room_id,
 * privilege {"1": login, "2": publish}, stream_id_list, exp (required), nbf and iat (honoured).
 */
public final class JwtTokens {
    private JwtTokens() {}

    static TokenClaims verify(byte[] secret, String token, Instant now, Duration skew) {
        SecretKey key = Keys.hmacShaKeyFor(secret);
        Jws<Claims> jws;
        try {
            jws = Jwts.parser().verifyWith(key).clock(() -> Date.from(now))
                    .clockSkewSeconds(skew.toSeconds()).build().parseSignedClaims(token);
        } catch (ExpiredJwtException e) {
            throw new ProtocolException(ErrorCode.TOKEN_EXPIRED, "token expired at "
                    + e.getClaims().getExpiration().toInstant() + " (now " + now + ")");
        } catch (PrematureJwtException e) {
            throw Privileges.invalid("not valid before " + e.getClaims().getNotBefore().toInstant() + " (now " + now + ")");
        } catch (SignatureException e) {
            throw Privileges.invalid("signature does not verify with this App's secret");
        } catch (UnsupportedJwtException e) {
            throw Privileges.invalid("unsigned or unsupported JWT (expected: HS256-signed JWS)");
        } catch (JwtException | IllegalArgumentException e) {
            throw Privileges.invalid("malformed JWT: " + e.getMessage());
        }
        String alg = jws.getHeader().getAlgorithm();
        if (!"HS256".equals(alg)) {
            throw Privileges.invalid("alg " + alg + " (expected: HS256)");
        }
        Claims c = jws.getPayload();
        if (c.getExpiration() == null) {
            throw Privileges.invalid("exp: missing (expected: expiry in epoch seconds)");
        }
        if (!c.getExpiration().toInstant().isAfter(now)) { // the skew is for clocks running ahead, never for expiry
            throw new ProtocolException(ErrorCode.TOKEN_EXPIRED, "token expired at "
                    + c.getExpiration().toInstant() + " (now " + now + ")");
        }
        if (c.getIssuedAt() != null && c.getIssuedAt().toInstant().isAfter(now.plus(skew))) {
            throw Privileges.invalid("iat " + c.getIssuedAt().toInstant() + " is in the future (now " + now
                    + ", allowed skew " + skew.toSeconds() + " s)");
        }
        JsonNode json = SignalCodec.MAPPER.valueToTree(c);
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
                Privileges.streamIds(json.get("stream_id_list")), c.getExpiration().toInstant().getEpochSecond(), "jwt");
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
