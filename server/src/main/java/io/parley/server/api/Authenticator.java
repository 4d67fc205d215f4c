package io.parley.server.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.parley.server.config.AppConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * Checks a call's common parameters (reference §4.4, §5.1): {@code Signature = md5(AppId + SignatureNonce +
 * ServerSecret + Timestamp)} in lowercase hex, {@code Timestamp} within ±10 minutes of this clock, and a
 * SignatureNonce used once per App within that window (a replay is refused as a signature error). Only correctly
 * signed calls reach the nonce cache, so only a holder of the secret can fill it.
 */
final class Authenticator {
    static final Duration WINDOW = Duration.ofMinutes(10);

    private final Map<Long, AppConfig> apps;
    private final Clock clock;
    private final Cache<String, Boolean> nonces;

    Authenticator(Map<Long, AppConfig> apps, Clock clock, int maxNonces) {
        this.apps = Map.copyOf(apps);
        this.clock = clock;
        // Kept for both halves of the window: a timestamp 10 min ahead stays acceptable for 20 min.
        this.nonces = Caffeine.newBuilder().maximumSize(maxNonces).expireAfterWrite(WINDOW.multipliedBy(2))
                .ticker(() -> clock.millis() * 1_000_000L).build();
    }

    /** The App the call is signed for; throws {@link ApiException} with the gateway's code. */
    AppConfig check(ApiRequest r) {
        String appText = r.get("AppId");
        long appId;
        try {
            appId = Long.parseLong(appText == null ? "" : appText.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(ApiCodes.APP_ID_FORMAT, "AppId: '" + (appText == null ? "" : appText)
                    + "' (expected: the numeric AppID)");
        }
        String version = r.get("SignatureVersion");
        if (version == null || version.isEmpty()) {
            throw new ApiException(ApiCodes.SIGNATURE_VERSION_EMPTY, "SignatureVersion: missing (expected: 2.0)");
        }
        if (!version.equals("2.0")) {
            throw new ApiException(ApiCodes.UNSUPPORTED_SIGNATURE_VERSION, "SignatureVersion: '" + version + "' (expected: 2.0)");
        }
        String ts = r.get("Timestamp");
        if (ts == null || ts.isEmpty()) {
            throw new ApiException(ApiCodes.TIMESTAMP_EMPTY, "Timestamp: missing (expected: Unix seconds)");
        }
        long seconds;
        try {
            seconds = Long.parseLong(ts);
        } catch (NumberFormatException e) {
            throw new ApiException(ApiCodes.TIMESTAMP_FORMAT, "Timestamp: '" + ts + "' (expected: Unix seconds)");
        }
        String nonce = r.get("SignatureNonce");
        if (nonce == null || nonce.isEmpty()) {
            throw new ApiException(ApiCodes.NONCE_EMPTY, "SignatureNonce: missing (expected: 16 hex characters)");
        }
        String signature = r.get("Signature");
        if (signature == null || signature.isEmpty()) {
            throw new ApiException(ApiCodes.SIGNATURE_EMPTY, "Signature: missing");
        }
        AppConfig app = apps.get(appId);
        if (app == null) {
            throw new ApiException(ApiCodes.NO_SERVER_SECRET, "AppId " + appId + " is not configured on this server");
        }
        long skew = Math.abs(clock.millis() / 1000 - seconds);
        if (skew > WINDOW.toSeconds()) {
            throw new ApiException(ApiCodes.SIGNATURE_EXPIRED, "Timestamp: " + seconds + " is " + skew
                    + " s from this server's clock (expected: within 600 s)");
        }
        byte[] expected = sign(appText.trim(), nonce, app.secret(), ts).getBytes(StandardCharsets.US_ASCII);
        byte[] given = signature.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            throw new ApiException(ApiCodes.SIGNATURE_ERROR, "Signature: does not match (expected: md5(AppId + "
                    + "SignatureNonce + ServerSecret + Timestamp) in lowercase hex)");
        }
        if (nonces.asMap().putIfAbsent(appId + ":" + nonce, Boolean.TRUE) != null) {
            throw new ApiException(ApiCodes.SIGNATURE_ERROR, "SignatureNonce: already used (replay refused; expected: "
                    + "a fresh random nonce per call)");
        }
        return app;
    }

    /** md5(AppId + SignatureNonce + ServerSecret + Timestamp), lowercase hex. */
    static String sign(String appId, String nonce, String secret, String timestamp) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            return HexFormat.of().formatHex(md5.digest((appId + nonce + secret + timestamp).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many nonces are remembered (approximate). */
    long nonceCount() {
        return nonces.estimatedSize();
    }
}
