package io.parley.media.srtp;

/**
 * The keyed cryptographic transform of one session direction: ciphers keyed once and scratch
 * buffers (nothing is allocated per packet), shared by the SSRC contexts of that direction. Not thread-safe: one direction of a
 * session is used by one thread at a time.
 *
 * <p>All methods work on {@code a[off, off + len)}; the caller guarantees room for the trailer.
 */
abstract sealed class SrtpTransform permits AesCmTransform, AesGcmTransform {
    private byte[] scratch = new byte[1500];

    static SrtpTransform create(SrtpProfile profile, byte[] masterKey, byte[] masterSalt) {
        return switch (profile) {
            case AES_CM_128_HMAC_SHA1_80 -> new AesCmTransform(masterKey, masterSalt);
            case AEAD_AES_128_GCM -> new AesGcmTransform(masterKey, masterSalt);
        };
    }

    /** A reusable array for buffers without an accessible backing array (direct, composite). */
    final byte[] scratch(int length) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        return scratch;
    }

    abstract SrtpProfile profile();

    /** Encrypts the payload after {@code hdr} and appends the tag. False if JCE refuses the IV. */
    abstract boolean protectRtp(byte[] a, int off, int hdr, int len, int ssrc, long index);

    /** Verifies and decrypts; {@code len} includes the tag. False when authentication fails. */
    abstract boolean unprotectRtp(byte[] a, int off, int hdr, int len, int ssrc, long index);

    /** Encrypts after the 8-byte header and appends E||index and the tag in profile order. */
    abstract boolean protectRtcp(byte[] a, int off, int len, int ssrc, int index);

    /** Verifies and, if {@code encrypted}, decrypts; {@code len} includes E||index and the tag. */
    abstract boolean unprotectRtcp(byte[] a, int off, int len, int ssrc, int index, boolean encrypted);

    static boolean constantTimeEquals(byte[] x, int xOff, byte[] y, int yOff, int len) {
        int diff = 0;
        for (int i = 0; i < len; i++) {
            diff |= x[xOff + i] ^ y[yOff + i];
        }
        return diff == 0;
    }

    static int getInt(byte[] a, int off) {
        return (a[off] & 0xFF) << 24 | (a[off + 1] & 0xFF) << 16 | (a[off + 2] & 0xFF) << 8 | (a[off + 3] & 0xFF);
    }

    static void putInt(byte[] a, int off, int v) {
        a[off] = (byte) (v >>> 24);
        a[off + 1] = (byte) (v >>> 16);
        a[off + 2] = (byte) (v >>> 8);
        a[off + 3] = (byte) v;
    }
}
