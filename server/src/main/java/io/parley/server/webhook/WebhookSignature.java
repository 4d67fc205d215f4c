package io.parley.server.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** {@code signature = sha1(join(sort_lexicographic([callbacksecret, timestamp, nonce])))}, lowercase hex (reference §4.4). */
public final class WebhookSignature {
    private WebhookSignature() {}

    public static String sign(String secret, String timestamp, String nonce) {
        String[] parts = {secret, timestamp, nonce};
        Arrays.sort(parts);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(String.join("", parts).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
