package io.parley.server.auth;

import io.parley.protocol.signal.Messages;
import io.parley.server.config.ParleyConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived TURN credentials for the configured TURN servers (Parley is not one), in coturn's {@code use-auth-secret}
 * REST scheme: username {@code <expiry unix seconds>:<userID>}, credential base64(HMAC-SHA1(static-auth-secret,
 * username)). coturn recomputes the credential from the username and refuses it once the expiry has passed, so nothing
 * is shared between Parley and coturn but the secret. Thread-safe.
 */
public final class TurnCredentials {
    public static final TurnCredentials OFF = new TurnCredentials(ParleyConfig.Turn.DEFAULTS);

    private final List<String> urls;
    private final SecretKeySpec key;
    private final long ttlSeconds;

    public TurnCredentials(ParleyConfig.Turn config) {
        this.urls = config.urlList();
        this.key = config.enabled() ? new SecretKeySpec(config.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA1") : null;
        this.ttlSeconds = config.credentialTtl().toSeconds();
    }

    /** The iceServers entry for {@code userId} at {@code now}, or none when no TURN server is configured. */
    public List<Messages.IceServer> iceServers(String userId, Instant now) {
        if (key == null) {
            return List.of();
        }
        String username = (now.getEpochSecond() + ttlSeconds) + ":" + userId;
        return List.of(new Messages.IceServer(urls, username, credential(username)));
    }

    /** base64(HMAC-SHA1(secret, username)). */
    String credential(String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(key);
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }
}
