package io.parley.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * An App: its AppID and its 32-byte server secret (ZEGO's ServerSecret: 32 ASCII characters whose bytes are
 * the AES-256 / HMAC key). {@link #toString()} never shows a secret. {@code legacyCbcTokens} (default false)
 * accepts token04 in the AES-CBC envelope, which has no MAC and is weaker than AES-GCM token04 or JWT.
 * {@code callbackUrl} (default empty: no webhooks) receives the App's webhooks, signed with {@code callbackSecret}
 * (default empty: the server secret). {@code kickOnTokenExpiry} (default false) ends a session whose login token expires
 * unrenewed (KICKOUT 1102018); otherwise it stays in its rooms but may not start publishing. {@code multiRoom} (default
 * false) lets a session that asks for it be in several rooms at once (room.maxRoomsPerSession).
 */
public record AppConfig(long appId, String secret, boolean legacyCbcTokens, String callbackUrl, String callbackSecret,
                        boolean kickOnTokenExpiry, boolean multiRoom) {
    public static final int SECRET_BYTES = 32;

    public AppConfig {
        if (appId <= 0 || appId > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("apps[].appId: " + appId + " (expected: 1..4294967295)");
        }
        if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length != SECRET_BYTES) {
            int n = secret == null ? 0 : secret.getBytes(StandardCharsets.UTF_8).length;
            throw new IllegalArgumentException("apps[" + appId + "].secret: " + n + " bytes (expected: exactly "
                    + SECRET_BYTES + ", e.g. 32 hex characters)");
        }
        callbackUrl = callbackUrl == null ? "" : callbackUrl.trim();
        callbackSecret = callbackSecret == null ? "" : callbackSecret;
        if (!callbackUrl.isEmpty()) {
            URI u;
            try {
                u = new URI(callbackUrl);
            } catch (URISyntaxException e) {
                u = null;
            }
            if (u == null || u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new IllegalArgumentException("apps[" + appId + "].callbackUrl: '" + callbackUrl
                        + "' (expected: an http:// or https:// URL, or empty for no webhooks)");
            }
        }
    }

    /** An App that lets sessions whose token expired stay (kickOnTokenExpiry off). */
    public AppConfig(long appId, String secret, boolean legacyCbcTokens, String callbackUrl, String callbackSecret) {
        this(appId, secret, legacyCbcTokens, callbackUrl, callbackSecret, false, false);
    }

    /** An App with no webhooks. */
    public AppConfig(long appId, String secret, boolean legacyCbcTokens) {
        this(appId, secret, legacyCbcTokens, "", "");
    }

    /** An App that accepts JWT and AES-GCM token04 only, with no webhooks. */
    public AppConfig(long appId, String secret) {
        this(appId, secret, false);
    }

    /** This App with its webhooks sent to {@code url}, signed with {@code secret} (empty: the server secret). */
    public AppConfig withCallback(String url, String secret) {
        return new AppConfig(appId, this.secret, legacyCbcTokens, url, secret, kickOnTokenExpiry, multiRoom);
    }

    /** This App with sessions kicked (KICKOUT 1102018) when their token expires unrenewed. */
    public AppConfig withKickOnTokenExpiry(boolean kick) {
        return new AppConfig(appId, secret, legacyCbcTokens, callbackUrl, callbackSecret, kick, multiRoom);
    }

    /** This App with multi-room login allowed (or not). */
    public AppConfig withMultiRoom(boolean allowed) {
        return new AppConfig(appId, secret, legacyCbcTokens, callbackUrl, callbackSecret, kickOnTokenExpiry, allowed);
    }

    public byte[] secretBytes() {
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    /** The secret webhooks are signed with: {@code callbackSecret}, or the server secret when that is empty. */
    public String webhookSecret() {
        return callbackSecret.isEmpty() ? secret : callbackSecret;
    }

    @Override
    public String toString() {
        return "AppConfig[appId=" + appId + ", secret=<redacted>, legacyCbcTokens=" + legacyCbcTokens
                + ", callbackUrl=" + callbackUrl + ", callbackSecret=" + (callbackSecret.isEmpty() ? "" : "<redacted>")
                + ", kickOnTokenExpiry=" + kickOnTokenExpiry + ", multiRoom=" + multiRoom + "]";
    }
}
