package io.parley.media.srtp;

/**
 * AEAD_AES_128_GCM (RFC 7714): 12-byte IV, 16-byte tag, the clear header as AAD.
 *
 * <p>GCM is assembled from two primitives that cost nothing per packet: the counter-mode keystream of one keyed
 * AES/ECB cipher ({@link AesCounter}) and BouncyCastle's GHASH multiplier ({@link Ghash}). The JDK's
 * {@code AES/GCM} cipher needs an {@code init} per packet, which allocated about 1 KB each time and caused the
 * forwarding loop's GC pauses. Like that cipher, encryption refuses an IV equal to the one it used last.
 */
final class AesGcmTransform extends SrtpTransform {
    static final int TAG_LENGTH = 16;

    private final Direction rtp;
    private final Direction rtcp;
    private final byte[] trailer = new byte[4];

    AesGcmTransform(byte[] masterKey, byte[] masterSalt) {
        this(SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTP_ENCRYPTION, 16),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTP_SALT, 12),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTCP_ENCRYPTION, 16),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTCP_SALT, 12));
    }

    /** From session keys directly: RFC 7714 §16-17 give session keys, not master keys. */
    AesGcmTransform(byte[] rtpKey, byte[] rtpSalt, byte[] rtcpKey, byte[] rtcpSalt) {
        this.rtp = new Direction(rtpKey, rtpSalt);
        this.rtcp = new Direction(rtcpKey, rtcpSalt);
    }

    @Override
    SrtpProfile profile() {
        return SrtpProfile.AEAD_AES_128_GCM;
    }

    @Override
    boolean protectRtp(byte[] a, int off, int hdr, int len, int ssrc, long index) {
        rtp.rtpIv(ssrc, index);
        if (!rtp.freshIv()) {
            return false;
        }
        rtp.begin();
        rtp.ghash.aad(a, off, hdr);
        rtp.seal(a, off + hdr, len - hdr, a, off + len);
        return true;
    }

    @Override
    boolean unprotectRtp(byte[] a, int off, int hdr, int len, int ssrc, long index) {
        rtp.rtpIv(ssrc, index);
        rtp.begin();
        rtp.ghash.aad(a, off, hdr);
        return rtp.open(a, off + hdr, len - hdr - TAG_LENGTH, true);
    }

    @Override
    boolean protectRtcp(byte[] a, int off, int len, int ssrc, int index) {
        rtcp.rtcpIv(ssrc, index);
        if (!rtcp.freshIv()) {
            return false;
        }
        putInt(trailer, 0, 0x80000000 | index);
        // RFC 7714 §9.2: AAD = first 8 header bytes || E||index; the trailer follows the tag.
        rtcp.begin();
        rtcp.ghash.aad(a, off, 8);
        rtcp.ghash.aad(trailer, 0, 4);
        rtcp.seal(a, off + 8, len - 8, a, off + len);
        System.arraycopy(trailer, 0, a, off + len + TAG_LENGTH, 4);
        return true;
    }

    @Override
    boolean unprotectRtcp(byte[] a, int off, int len, int ssrc, int index, boolean encrypted) {
        rtcp.rtcpIv(ssrc, index);
        int trailerAt = off + len - 4;
        rtcp.begin();
        if (encrypted) {
            rtcp.ghash.aad(a, off, 8);
            rtcp.ghash.aad(a, trailerAt, 4);
            return rtcp.open(a, off + 8, len - 4 - 8 - TAG_LENGTH, true);
        }
        // E=0 (RFC 7714 §9.3): the whole clear packet is AAD and only the tag is "ciphertext".
        int clear = len - 4 - TAG_LENGTH;
        rtcp.ghash.aad(a, off, clear);
        rtcp.ghash.aad(a, trailerAt, 4);
        return rtcp.open(a, off + clear, 0, false);
    }

    /** The key, salt and scratch state of one of the two (RTP, RTCP) keys. */
    private static final class Direction {
        private final AesCounter aes;
        private final Ghash ghash;
        private final byte[] salt;
        private final byte[] j0 = new byte[16];
        private final byte[] lastSealed = new byte[12];
        private boolean sealedAny;
        private final byte[] mask = new byte[16];
        private final byte[] tag = new byte[16];

        Direction(byte[] key, byte[] salt) {
            this.aes = new AesCounter(key);
            this.salt = salt.clone();
            byte[] h = new byte[16];
            aes.encryptBlock(new byte[16], h);
            this.ghash = new Ghash(h);
        }

        /** RFC 7714 §8.1: (00 00 || SSRC || ROC || SEQ) XOR salt, as J0's first 12 bytes. */
        void rtpIv(int ssrc, long index) {
            j0[0] = 0;
            j0[1] = 0;
            putInt(j0, 2, ssrc);
            putInt(j0, 6, (int) (index >>> 16));
            j0[10] = (byte) (index >>> 8);
            j0[11] = (byte) index;
            xorSalt();
        }

        /** RFC 7714 §9.1: (00 00 || SSRC || 00 00 || 0 || 31-bit SRTCP index) XOR salt. */
        void rtcpIv(int ssrc, int index) {
            j0[0] = 0;
            j0[1] = 0;
            putInt(j0, 2, ssrc);
            j0[6] = 0;
            j0[7] = 0;
            putInt(j0, 8, index & 0x7FFFFFFF);
            xorSalt();
        }

        private void xorSalt() {
            for (int i = 0; i < 12; i++) {
                j0[i] ^= salt[i];
            }
        }

        /** False if this IV is the one the last encryption used (never seal twice under one IV in a row). */
        boolean freshIv() {
            if (sealedAny && constantTimeEquals(j0, 0, lastSealed, 0, 12)) {
                return false;
            }
            System.arraycopy(j0, 0, lastSealed, 0, 12);
            sealedAny = true;
            return true;
        }

        /** J0 = IV || 0^31 || 1; E(K, J0) masks the tag; the payload counters start at inc32(J0). */
        void begin() {
            putInt(j0, 12, 1);
            aes.encryptBlock(j0, mask);
            putInt(j0, 12, 2);
            ghash.reset();
        }

        /** Encrypts a[from, from + n) in place and writes the 16-byte tag at {@code tagOut[tagAt]}. */
        void seal(byte[] a, int from, int n, byte[] tagOut, int tagAt) {
            aes.xor(j0, a, from, n);
            ghash.text(a, from, n);
            ghash.finish(tag);
            for (int i = 0; i < 16; i++) {
                tagOut[tagAt + i] = (byte) (tag[i] ^ mask[i]);
            }
        }

        /**
         * Checks the tag that follows a[from, from + n) and, if it matches and {@code decrypt}, decrypts in place.
         * For E=0 SRTCP ({@code decrypt} false, n = 0) the AAD is everything and only the tag is checked.
         */
        boolean open(byte[] a, int from, int n, boolean decrypt) {
            if (n < 0) {
                return false;
            }
            ghash.text(a, from, n);
            ghash.finish(tag);
            int diff = 0;
            for (int i = 0; i < 16; i++) {
                diff |= (tag[i] ^ mask[i]) ^ a[from + n + i];
            }
            if (diff != 0) {
                return false;
            }
            if (decrypt) {
                aes.xor(j0, a, from, n);
            }
            return true;
        }
    }
}
