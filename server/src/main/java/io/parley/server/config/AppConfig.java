package io.parley.server.config;

import java.nio.charset.StandardCharsets;

/**
 * An App: its AppID and its 32-byte server secret (ZEGO's ServerSecret: 32 ASCII characters whose bytes are
 * the AES-256 / HMAC key). {@link #toString()} never shows the secret. {@code legacyCbcTokens} (default false)
 * accepts token04 in the AES-CBC envelope, which has no MAC and is weaker than AES-GCM token04 or JWT.
 */
public record AppConfig(long appId, String secret, boolean legacyCbcTokens) {
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
    }

    /** An App that accepts JWT and AES-GCM token04 only. */
    public AppConfig(long appId, String secret) {
        this(appId, secret, false);
    }

    public byte[] secretBytes() {
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "AppConfig[appId=" + appId + ", secret=<redacted>, legacyCbcTokens=" + legacyCbcTokens + "]";
    }
}
