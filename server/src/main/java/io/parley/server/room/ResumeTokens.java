package io.parley.server.room;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Resume credentials: 256 random bits per session (base64url), handed out in the login response. A credential is
 * only ever compared with the one held by the session found by App, userID and sessionID (and its room must match
 * too), so it is bound to all four and useless for any other session. Compared in constant time.
 */
final class ResumeTokens {
    /** Long enough to be unguessable and short enough for a request: 32 bytes, 43 characters. */
    static final int BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ResumeTokens() {}

    static String mint() {
        byte[] b = new byte[BYTES];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** True when {@code given} equals {@code held}; the time taken does not depend on where they differ. */
    static boolean matches(String held, String given) {
        if (held == null || given == null) {
            return false;
        }
        return MessageDigest.isEqual(held.getBytes(StandardCharsets.US_ASCII), given.getBytes(StandardCharsets.US_ASCII));
    }
}
