package io.parley.media.srtp;

import java.util.Objects;

/**
 * The keys one side of a DTLS-SRTP association ends up with: what it protects with (local) and
 * what it unprotects with (remote). The arrays are owned by this record; do not modify them.
 */
public record SrtpKeys(
        SrtpProfile profile,
        byte[] localMasterKey,
        byte[] localMasterSalt,
        byte[] remoteMasterKey,
        byte[] remoteMasterSalt) {

    public SrtpKeys {
        Objects.requireNonNull(profile, "profile");
        check("localMasterKey", localMasterKey, profile.keyLength());
        check("localMasterSalt", localMasterSalt, profile.saltLength());
        check("remoteMasterKey", remoteMasterKey, profile.keyLength());
        check("remoteMasterSalt", remoteMasterSalt, profile.saltLength());
    }

    /**
     * Splits DTLS exporter output per RFC 5764 §4.2: client key | server key | client salt |
     * server salt. The client protects with the client half, the server with the server half.
     */
    public static SrtpKeys fromExporter(SrtpProfile profile, byte[] material, boolean isClient) {
        int k = profile.keyLength();
        int s = profile.saltLength();
        if (material.length != exporterLength(profile)) {
            throw new IllegalArgumentException(
                    "keying material: " + material.length + " bytes (expected: " + exporterLength(profile) + ")");
        }
        byte[] clientKey = java.util.Arrays.copyOfRange(material, 0, k);
        byte[] serverKey = java.util.Arrays.copyOfRange(material, k, 2 * k);
        byte[] clientSalt = java.util.Arrays.copyOfRange(material, 2 * k, 2 * k + s);
        byte[] serverSalt = java.util.Arrays.copyOfRange(material, 2 * k + s, 2 * k + 2 * s);
        return isClient
                ? new SrtpKeys(profile, clientKey, clientSalt, serverKey, serverSalt)
                : new SrtpKeys(profile, serverKey, serverSalt, clientKey, clientSalt);
    }

    /** How many bytes to export with the "EXTRACTOR-dtls_srtp" label for this profile. */
    public static int exporterLength(SrtpProfile profile) {
        return 2 * (profile.keyLength() + profile.saltLength());
    }

    private static void check(String name, byte[] value, int length) {
        Objects.requireNonNull(value, name);
        if (value.length != length) {
            throw new IllegalArgumentException(name + ": " + value.length + " bytes (expected: " + length + ")");
        }
    }

    /** Never print key material: this record ends up in log lines and exception messages. */
    @Override
    public String toString() {
        return "SrtpKeys[profile=" + profile + ", keys=<redacted>]";
    }
}
