package io.parley.server.room;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Resume credentials: HMAC-SHA256, under 256 random bits this server draws at start, of the session's App, userID and
 * sessionID (base64url, 43 characters), handed out in the login response. Because the server can check a credential
 * against what a request names without finding the session first, a credential that does not match is refused the
 * same way whether that session exists or not: the answer tells nothing about other users' sessions. One
 * credential per session (every room of a multi-room session); unguessable without the key; compared in constant time.
 */
final class ResumeTokens {
    /** Long enough to be unguessable and short enough for a request: 32 bytes, 43 characters. */
    static final int BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    ResumeTokens() {
        byte[] k = new byte[BYTES];
        new SecureRandom().nextBytes(k);
        this.key = new SecretKeySpec(k, ALGORITHM);
    }

    /** The credential of session {@code sessionId} of {@code userId} in App {@code appId}. */
    String mint(long appId, String userId, String sessionId) {
        Mac mac;
        try {
            mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is part of every JRE", e);
        }
        // Length-prefixed fields, so that no two different (userID, sessionID) pairs hash the same bytes.
        byte[] user = userId.getBytes(StandardCharsets.UTF_8);
        byte[] session = sessionId.getBytes(StandardCharsets.UTF_8);
        mac.update(Long.toString(appId).getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) 0);
        mac.update((byte) user.length);
        mac.update(user);
        mac.update((byte) session.length);
        mac.update(session);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
    }

    /**
     * True when {@code given} is the credential of the named session; the time taken does not depend on where they
     * differ, nor on whether that session exists.
     */
    boolean matches(long appId, String userId, String sessionId, String given) {
        if (given == null || userId == null || sessionId == null || sessionId.length() > 64) {
            return false;
        }
        byte[] held = mint(appId, userId, sessionId).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(held, given.getBytes(StandardCharsets.UTF_8));
    }
}
