package io.parley.server.auth;

import io.parley.server.config.AppConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys in RTMP push and RTMP/HTTP-FLV play URLs: {@code <AppID>.<Base64url(nonce ‖ AES-256-GCM(grant))>}.
 * A key is short-lived, bound to one App, room, user, stream and signalling session, and shows nothing of
 * them in clear (only the AppID, to pick the App's key). The AES key is derived from the App's secret
 * (HMAC-SHA256(secret, "parley/stream-key/v1")), so any node of the App can check it and none needs to store it.
 * Thread-safe.
 */
public final class StreamKeys {
    public enum Kind { PUBLISH, PLAY }

    /** What a key grants. {@code expiresAtMillis} is epoch milliseconds. */
    public record Grant(Kind kind, long appId, String roomId, String userId, String streamId, long sessionId,
                        long expiresAtMillis) {}

    /** Why a key was refused; {@link #message()} is safe to show the client. */
    public enum Refusal {
        MISSING("no key (expected: the URL the server gave, with its ?key=...)"),
        MALFORMED("the key is malformed"),
        UNKNOWN_APP("the key names an App this server does not serve"),
        FORGED("the key does not verify (forged, altered or for another App)"),
        EXPIRED("the key has expired: ask the server for a new URL"),
        WRONG_KIND("the key is not for this use (a push key used to play, or a play key used to push)"),
        WRONG_STREAM("the key is for another stream");

        private final String message;

        Refusal(String message) {
            this.message = message;
        }

        public String message() {
            return message;
        }
    }

    /** A refused key. Cheap: no stack trace. */
    public static final class RefusedException extends RuntimeException {
        private final Refusal refusal;

        public RefusedException(Refusal refusal) {
            super(refusal.message(), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    static final int MAX_KEY_CHARS = 1024;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final byte VERSION = 1;
    private static final byte[] AAD = "parley-stream-key-v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<Long, SecretKeySpec> keys = new HashMap<>();
    private final Clock clock;
    private final Duration ttl;

    public StreamKeys(List<AppConfig> apps, Clock clock, Duration ttl) {
        for (AppConfig a : apps) {
            keys.put(a.appId(), derive(a.secretBytes()));
        }
        this.clock = clock;
        this.ttl = ttl;
    }

    private static SecretKeySpec derive(byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return new SecretKeySpec(mac.doFinal("parley/stream-key/v1".getBytes(StandardCharsets.US_ASCII)), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public Duration ttl() {
        return ttl;
    }

    /** A key for {@code kind} valid for the configured time from now. */
    public String mint(Kind kind, long appId, String roomId, String userId, String streamId, long sessionId) {
        SecretKeySpec key = keys.get(appId);
        if (key == null) {
            throw new IllegalArgumentException("App " + appId + " is not configured");
        }
        long expires = clock.millis() + ttl.toMillis();
        byte[] room = roomId.getBytes(StandardCharsets.UTF_8);
        byte[] user = userId.getBytes(StandardCharsets.UTF_8);
        byte[] stream = streamId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer plain = ByteBuffer.allocate(1 + 1 + 8 + 8 + 2 + room.length + 2 + user.length + 2 + stream.length);
        plain.put(VERSION).put((byte) kind.ordinal()).putLong(sessionId).putLong(expires);
        plain.putShort((short) room.length).put(room).putShort((short) user.length).put(user)
                .putShort((short) stream.length).put(stream);
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        byte[] ct;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(AAD);
            c.updateAAD(Long.toString(appId).getBytes(StandardCharsets.US_ASCII));
            ct = c.doFinal(plain.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
        byte[] out = new byte[NONCE + ct.length];
        System.arraycopy(nonce, 0, out, 0, NONCE);
        System.arraycopy(ct, 0, out, NONCE, ct.length);
        return appId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    }

    /**
     * Checks a key presented for {@code kind} on {@code streamId}; returns its grant or throws
     * {@link RefusedException}. Whether the session is still there and still owns the stream is the caller's
     * check (the key alone does not prove it).
     */
    public Grant verify(String key, Kind kind, String streamId) {
        if (key == null || key.isEmpty()) {
            throw new RefusedException(Refusal.MISSING);
        }
        int dot = key.indexOf('.');
        if (key.length() > MAX_KEY_CHARS || dot < 1 || dot > 10) {
            throw new RefusedException(Refusal.MALFORMED);
        }
        long appId;
        byte[] bin;
        try {
            appId = Long.parseLong(key.substring(0, dot));
            bin = Base64.getUrlDecoder().decode(key.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw new RefusedException(Refusal.MALFORMED);
        }
        SecretKeySpec k = keys.get(appId);
        if (k == null) {
            throw new RefusedException(Refusal.UNKNOWN_APP);
        }
        if (bin.length < NONCE + TAG_BITS / 8 + 1) {
            throw new RefusedException(Refusal.MALFORMED);
        }
        byte[] plain;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, bin, 0, NONCE));
            c.updateAAD(AAD);
            c.updateAAD(Long.toString(appId).getBytes(StandardCharsets.US_ASCII));
            plain = c.doFinal(bin, NONCE, bin.length - NONCE);
        } catch (GeneralSecurityException e) {
            throw new RefusedException(Refusal.FORGED);
        }
        // Authenticated from here on: the layout is ours.
        ByteBuffer in = ByteBuffer.wrap(plain);
        if (in.get() != VERSION) {
            throw new RefusedException(Refusal.MALFORMED);
        }
        int kindOrdinal = in.get();
        long sessionId = in.getLong();
        long expires = in.getLong();
        String room = string(in);
        String user = string(in);
        String stream = string(in);
        if (kindOrdinal != kind.ordinal()) {
            throw new RefusedException(Refusal.WRONG_KIND);
        }
        if (expires <= clock.millis()) {
            throw new RefusedException(Refusal.EXPIRED);
        }
        if (!stream.equals(streamId)) {
            throw new RefusedException(Refusal.WRONG_STREAM);
        }
        return new Grant(kind, appId, room, user, stream, sessionId, expires);
    }

    private static String string(ByteBuffer in) {
        int n = in.getShort() & 0xFFFF;
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
