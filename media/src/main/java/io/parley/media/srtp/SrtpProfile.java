package io.parley.media.srtp;

/**
 * The SRTP protection profiles we negotiate over DTLS (RFC 5764 §4.1.2, RFC 7714 §14.2).
 * Lengths are in bytes; the tag length is the same for SRTP and SRTCP in both profiles.
 */
public enum SrtpProfile {
    /** AES-CM with an 80-bit HMAC-SHA1 tag: the profile every WebRTC stack supports. */
    AES_CM_128_HMAC_SHA1_80(0x0001, 16, 14, 10, false),
    /** AES-128-GCM: cheaper per packet (one pass) and preferred by Chrome when offered. */
    AEAD_AES_128_GCM(0x0007, 16, 12, 16, true);

    private final int id;
    private final int keyLength;
    private final int saltLength;
    private final int tagLength;
    private final boolean aead;

    SrtpProfile(int id, int keyLength, int saltLength, int tagLength, boolean aead) {
        this.id = id;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
        this.tagLength = tagLength;
        this.aead = aead;
    }

    /** The two-byte identifier carried in the DTLS use_srtp extension. */
    public int id() {
        return id;
    }

    public int keyLength() {
        return keyLength;
    }

    public int saltLength() {
        return saltLength;
    }

    public int tagLength() {
        return tagLength;
    }

    public boolean aead() {
        return aead;
    }

    /** Returns the profile for a use_srtp identifier, or null when we do not support it. */
    public static SrtpProfile fromId(int id) {
        for (SrtpProfile p : values()) {
            if (p.id == id) {
                return p;
            }
        }
        return null;
    }
}
