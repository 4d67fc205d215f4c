package io.parley.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.signal.SignalCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.ProviderException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * ZEGO token04 (reference §4.2): "04" + Base64(int64 expire, uint16 ivLen, iv, uint16 ctLen, ciphertext
 * [, uint8 mode]). ivLen 16 is the legacy AES-256-CBC envelope; ivLen 12 with mode byte 1 is AES-256-GCM.
 * The key is the 32-byte App secret.
 *
 * <p>The CBC envelope has no MAC: any answer that depends on the plaintext (padding good or bad, JSON or not,
 * a field present or not) is a padding/format oracle that lets a client without the secret forge tokens. So
 * CBC is refused unless the App opts in ({@code apps[].legacyCbcTokens}), and when it does, every CBC failure
 * gets {@link #CBC_REFUSAL} after the same work (padding checked in constant time, the JSON always parsed).
 */
public final class Token04 {
    private Token04() {}

    public static final String PREFIX = "04";
    private static final int GCM_NONCE = 12;
    private static final int CBC_IV = 16;
    private static final int GCM_TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    public enum Envelope { GCM, CBC }

    static final String CBC_FORMAT = "token04-CBC";

    /** The one answer to every failure of a CBC token04 (its plaintext must not be observable). */
    public static final String CBC_REFUSAL = "token04 (legacy AES-CBC envelope) does not verify with this App's secret";
    static final String CBC_DISABLED = "token04 uses the legacy AES-CBC envelope, which this App does not accept"
            + " (expected: an AES-GCM token04 or a JWT; apps[].legacyCbcTokens: true opts in, weaker)";

    public static boolean looksLike(String token) {
        return token.startsWith(PREFIX) && token.indexOf('.') < 0;
    }

    /**
     * Decrypts and checks the token against the App's secret; claims other than time are checked by the caller.
     * A CBC token is refused unless {@code allowCbc}; a refused CBC token's message is always {@link #CBC_REFUSAL}.
     */
    static TokenClaims verify(byte[] secret, String token, long nowEpochSeconds, boolean allowCbc) {
        byte[] bin;
        try {
            bin = Base64.getDecoder().decode(token.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw Privileges.invalid("token04 is not Base64 after its \"04\" prefix");
        }
        ByteBuffer in = ByteBuffer.wrap(bin);
        if (in.remaining() < 8 + 2) {
            throw Privileges.invalid("token04 is truncated");
        }
        in.getLong(); // outer expire: informative only, the signed inner one decides
        int ivLen = in.getShort() & 0xFFFF;
        if (ivLen != GCM_NONCE && ivLen != CBC_IV) {
            throw Privileges.invalid("token04 iv length " + ivLen + " (expected: 12 for GCM or 16 for CBC)");
        }
        if (in.remaining() < ivLen + 2) {
            throw Privileges.invalid("token04 is truncated");
        }
        byte[] iv = new byte[ivLen];
        in.get(iv);
        int ctLen = in.getShort() & 0xFFFF;
        if (in.remaining() < ctLen) {
            throw Privileges.invalid("token04 is truncated");
        }
        byte[] ct = new byte[ctLen];
        in.get(ct);
        Envelope envelope = ivLen == GCM_NONCE ? Envelope.GCM : Envelope.CBC;
        if (in.remaining() == 1) {
            int mode = in.get();
            if ((mode == 1) != (envelope == Envelope.GCM)) {
                throw Privileges.invalid("token04 mode byte " + mode + " does not match its iv length " + ivLen);
            }
        } else if (in.hasRemaining()) {
            throw Privileges.invalid("token04 has " + in.remaining() + " trailing bytes");
        }
        if (envelope == Envelope.CBC) {
            if (!allowCbc) {
                throw Privileges.invalid(CBC_DISABLED);
            }
            return verifyCbc(secret, iv, ct, nowEpochSeconds);
        }
        if (ct.length < GCM_TAG_BITS / 8) {
            // The JDK's GCM answers a ciphertext shorter than its tag with a ProviderException (found by the fuzzer).
            throw Privileges.invalid("token04 is truncated (its AES-GCM ciphertext is shorter than the 16-byte tag)");
        }
        byte[] plain;
        try {
            plain = crypt(Cipher.DECRYPT_MODE, envelope, secret, iv, ct);
        } catch (GeneralSecurityException | ProviderException e) {
            throw Privileges.invalid("token04 does not decrypt with this App's secret (signed for another App?)");
        }
        return claims(plain, nowEpochSeconds, "token04-" + envelope);
    }

    /**
     * The CBC path does the same work whatever the plaintext is: it decrypts without padding, checks the PKCS#7
     * padding in constant time, always parses (the unpadded text if the padding is good, else the whole block),
     * and answers every failure with {@link #CBC_REFUSAL}.
     */
    private static TokenClaims verifyCbc(byte[] secret, byte[] iv, byte[] ct, long nowEpochSeconds) {
        if (ct.length == 0 || ct.length % CBC_IV != 0) {
            throw Privileges.invalid(CBC_REFUSAL); // length is public: no plaintext behind this answer
        }
        byte[] plain;
        try {
            Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(secret, "AES"), new IvParameterSpec(iv));
            plain = c.doFinal(ct);
        } catch (GeneralSecurityException e) {
            throw Privileges.invalid(CBC_REFUSAL);
        }
        int pad = plain[plain.length - 1] & 0xFF;
        int bad = ((pad - 1) >>> 31) | ((CBC_IV - pad) >>> 31); // pad == 0 or pad > 16
        int checked = Math.min(Math.max(pad, 1), CBC_IV);
        for (int i = 1; i <= CBC_IV; i++) {
            int inPad = ((checked - i) >>> 31) ^ 1; // i <= checked
            bad |= inPad & (((plain[plain.length - i] & 0xFF) ^ pad) != 0 ? 1 : 0);
        }
        int textLen = bad == 0 ? plain.length - pad : plain.length;
        TokenClaims claims = null;
        try {
            claims = claims(Arrays.copyOf(plain, textLen), nowEpochSeconds, CBC_FORMAT);
        } catch (ProtocolException e) {
            claims = null;
        }
        if (bad != 0 || claims == null) {
            throw Privileges.invalid(CBC_REFUSAL);
        }
        return claims;
    }

    private static TokenClaims claims(byte[] plain, long nowEpochSeconds, String format) {
        JsonNode json;
        try {
            json = SignalCodec.MAPPER.readTree(plain);
        } catch (IOException e) {
            throw Privileges.invalid("token04 payload is not JSON");
        }
        if (json == null || !json.isObject()) {
            throw Privileges.invalid("token04 payload is not a JSON object");
        }
        long appId = requireLong(json, "app_id");
        String userId = requireText(json, "user_id");
        long expire = requireLong(json, "expire");
        JsonNode payload = json.get("payload");
        JsonNode privileges = null;
        String roomId = null;
        List<String> streams = null;
        if (payload != null && payload.isTextual() && !payload.textValue().isEmpty()) {
            JsonNode p;
            try {
                p = SignalCodec.MAPPER.readTree(payload.textValue());
            } catch (IOException e) {
                throw Privileges.invalid("token04 payload string is not JSON");
            }
            if (!p.isObject()) {
                throw Privileges.invalid("token04 payload string is not a JSON object");
            }
            privileges = p.get("privilege");
            roomId = Privileges.roomId(p.get("room_id"));
            streams = Privileges.streamIds(p.get("stream_id_list"));
        } else if (payload != null && !payload.isTextual() && !payload.isNull()) {
            throw Privileges.invalid("token04 payload: expected a string");
        }
        if (expire <= nowEpochSeconds) {
            throw new ProtocolException(ErrorCode.TOKEN_EXPIRED, "token expired at " + expire + " (now " + nowEpochSeconds + ")");
        }
        return new TokenClaims(appId, userId, roomId, Privileges.granted(privileges, Privileges.LOGIN_KEY),
                Privileges.granted(privileges, Privileges.PUBLISH_KEY), streams, expire, format);
    }

    /** Mints a token04 exactly as ZEGO's generators do (used by the token command and tests). */
    public static String mint(Envelope envelope, long appId, String userId, byte[] secret, long ctime, long expire,
                              String payload) {
        ObjectNode json = SignalCodec.MAPPER.createObjectNode();
        json.put("app_id", appId);
        json.put("user_id", userId);
        json.put("nonce", RANDOM.nextInt());
        json.put("ctime", ctime);
        json.put("expire", expire);
        json.put("payload", payload == null ? "" : payload);
        byte[] iv = new byte[envelope == Envelope.GCM ? GCM_NONCE : CBC_IV];
        RANDOM.nextBytes(iv);
        byte[] ct;
        try {
            ct = crypt(Cipher.ENCRYPT_MODE, envelope, secret, iv, SignalCodec.MAPPER.writeValueAsBytes(json));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("token04 encryption failed", e);
        }
        ByteBuffer out = ByteBuffer.allocate(8 + 2 + iv.length + 2 + ct.length + (envelope == Envelope.GCM ? 1 : 0));
        out.putLong(expire).putShort((short) iv.length).put(iv).putShort((short) ct.length).put(ct);
        if (envelope == Envelope.GCM) {
            out.put((byte) 1);
        }
        return PREFIX + Base64.getEncoder().encodeToString(out.array());
    }

    private static byte[] crypt(int mode, Envelope envelope, byte[] secret, byte[] iv, byte[] data)
            throws GeneralSecurityException {
        SecretKeySpec key = new SecretKeySpec(secret, "AES");
        Cipher c;
        if (envelope == Envelope.GCM) {
            c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, key, new GCMParameterSpec(GCM_TAG_BITS, iv));
        } else {
            c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(mode, key, new IvParameterSpec(iv));
        }
        return c.doFinal(data);
    }

    private static long requireLong(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || !v.isIntegralNumber()) {
            throw Privileges.invalid(field + ": expected an integer");
        }
        return v.asLong();
    }

    private static String requireText(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || !v.isTextual()) {
            throw Privileges.invalid(field + ": expected a string");
        }
        return v.textValue();
    }

}
