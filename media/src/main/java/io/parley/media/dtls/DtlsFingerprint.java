package io.parley.media.dtls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A certificate fingerprint as SDP carries it (RFC 8122 §5): {@code a=fingerprint:sha-256 AB:CD:…}.
 * The hash function is the peer's choice, so verification hashes with whatever it named.
 */
public record DtlsFingerprint(String hashFunction, byte[] digest) {
    private static final HexFormat COLON_HEX = HexFormat.ofDelimiter(":").withUpperCase();

    public DtlsFingerprint {
        hashFunction = hashFunction.toLowerCase(Locale.ROOT);
        jcaName(hashFunction); // rejects md5, md2 and unknown names early
        digest = digest.clone();
    }

    /** Parses the value of an SDP fingerprint attribute, e.g. {@code "sha-256 AB:CD:…"}. */
    public static DtlsFingerprint parse(String sdpValue) {
        Objects.requireNonNull(sdpValue, "sdpValue");
        String[] parts = sdpValue.trim().split("\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException(
                    "fingerprint: \"" + sdpValue + "\" (expected: \"<hash-func> <HH:HH:...>\")");
        }
        byte[] digest;
        try {
            digest = COLON_HEX.parseHex(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fingerprint: \"" + parts[1] + "\" (expected: colon-separated hex)", e);
        }
        return new DtlsFingerprint(parts[0], digest);
    }

    /** The fingerprint of a DER-encoded certificate under the named hash function. */
    public static DtlsFingerprint of(String hashFunction, byte[] certificateDer) {
        String name = hashFunction.toLowerCase(Locale.ROOT);
        return new DtlsFingerprint(name, hash(name, certificateDer));
    }

    /** Uppercase hex with colons, the part after the hash function name. */
    public String hex() {
        return COLON_HEX.formatHex(digest);
    }

    /** The SDP attribute value: {@code "sha-256 AB:CD:…"}. */
    public String toSdp() {
        return hashFunction + " " + hex();
    }

    /** True when {@code certificateDer} hashes to this fingerprint (constant-time compare). */
    public boolean matches(byte[] certificateDer) {
        return MessageDigest.isEqual(digest, hash(hashFunction, certificateDer));
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DtlsFingerprint f && f.hashFunction.equals(hashFunction)
                && MessageDigest.isEqual(f.digest, digest);
    }

    @Override
    public int hashCode() {
        return hashFunction.hashCode() * 31 + java.util.Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return toSdp();
    }

    private static byte[] hash(String hashFunction, byte[] data) {
        try {
            return MessageDigest.getInstance(jcaName(hashFunction)).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(hashFunction + " unavailable in this JRE", e);
        }
    }

    private static String jcaName(String hashFunction) {
        return switch (hashFunction) {
            case "sha-1" -> "SHA-1";
            case "sha-224" -> "SHA-224";
            case "sha-256" -> "SHA-256";
            case "sha-384" -> "SHA-384";
            case "sha-512" -> "SHA-512";
            default -> throw new IllegalArgumentException("fingerprint hash function: \"" + hashFunction
                    + "\" (expected: sha-1, sha-224, sha-256, sha-384 or sha-512)");
        };
    }
}
