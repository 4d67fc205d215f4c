package io.parley.media.srtp;

import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4.1.1 and §4.2.1). The keystream comes from {@link AesCounter} (one keyed ECB
 * cipher) and the tag from BouncyCastle's HMac, which restores its precomputed inner and outer pad states instead of
 * allocating: nothing is allocated per packet.
 */
final class AesCmTransform extends SrtpTransform {
    static final int TAG_LENGTH = 10;

    private final AesCounter rtpCtr;
    private final AesCounter rtcpCtr;
    private final byte[] rtpSalt;
    private final byte[] rtcpSalt;
    private final HMac rtpMac;
    private final HMac rtcpMac;
    private final byte[] iv = new byte[16];
    private final byte[] digest = new byte[20];
    private final byte[] roc = new byte[4];

    AesCmTransform(byte[] masterKey, byte[] masterSalt) {
        this(SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTP_ENCRYPTION, 16),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTP_SALT, 14),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTP_AUTH,
                        SrtpKeyDerivation.AUTH_KEY_LENGTH),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTCP_ENCRYPTION, 16),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTCP_SALT, 14),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTCP_AUTH,
                        SrtpKeyDerivation.AUTH_KEY_LENGTH));
    }

    /** From session keys directly: the RFC 3711 B.2 keystream vector starts here. */
    AesCmTransform(byte[] rtpKey, byte[] rtpSalt, byte[] rtpAuth, byte[] rtcpKey, byte[] rtcpSalt, byte[] rtcpAuth) {
        this.rtpCtr = new AesCounter(rtpKey);
        this.rtcpCtr = new AesCounter(rtcpKey);
        this.rtpSalt = rtpSalt.clone();
        this.rtcpSalt = rtcpSalt.clone();
        this.rtpMac = hmacSha1(rtpAuth);
        this.rtcpMac = hmacSha1(rtcpAuth);
    }

    private static HMac hmacSha1(byte[] key) {
        HMac mac = new HMac(new SHA1Digest());
        mac.init(new KeyParameter(key));
        return mac;
    }

    @Override
    SrtpProfile profile() {
        return SrtpProfile.AES_CM_128_HMAC_SHA1_80;
    }

    @Override
    boolean protectRtp(byte[] a, int off, int hdr, int len, int ssrc, long index) {
        crypt(rtpCtr, rtpSalt, a, off + hdr, len - hdr, ssrc, index);
        authenticate(rtpMac, a, off, len, (int) (index >>> 16), true);
        System.arraycopy(digest, 0, a, off + len, TAG_LENGTH);
        return true;
    }

    @Override
    boolean unprotectRtp(byte[] a, int off, int hdr, int len, int ssrc, long index) {
        int body = len - TAG_LENGTH;
        // The tag covers the ROC the receiver estimated, so a wrong estimate fails here too.
        authenticate(rtpMac, a, off, body, (int) (index >>> 16), true);
        if (!constantTimeEquals(digest, 0, a, off + body, TAG_LENGTH)) {
            return false;
        }
        crypt(rtpCtr, rtpSalt, a, off + hdr, body - hdr, ssrc, index);
        return true;
    }

    @Override
    boolean protectRtcp(byte[] a, int off, int len, int ssrc, int index) {
        crypt(rtcpCtr, rtcpSalt, a, off + 8, len - 8, ssrc, index);
        putInt(a, off + len, 0x80000000 | index);
        authenticate(rtcpMac, a, off, len + 4, 0, false);
        System.arraycopy(digest, 0, a, off + len + 4, TAG_LENGTH);
        return true;
    }

    @Override
    boolean unprotectRtcp(byte[] a, int off, int len, int ssrc, int index, boolean encrypted) {
        int authenticated = len - TAG_LENGTH; // header, payload and E||index
        authenticate(rtcpMac, a, off, authenticated, 0, false);
        if (!constantTimeEquals(digest, 0, a, off + authenticated, TAG_LENGTH)) {
            return false;
        }
        if (encrypted) {
            crypt(rtcpCtr, rtcpSalt, a, off + 8, authenticated - 4 - 8, ssrc, index);
        }
        return true;
    }

    /** XORs the AES-CM keystream for IV = salt·2^16 ⊕ SSRC·2^64 ⊕ index·2^16 into a[from, from + n). */
    private void crypt(AesCounter ctr, byte[] salt, byte[] a, int from, int n, int ssrc, long index) {
        if (n <= 0) {
            return;
        }
        System.arraycopy(salt, 0, iv, 0, 14);
        iv[14] = 0;
        iv[15] = 0;
        iv[4] ^= (byte) (ssrc >>> 24);
        iv[5] ^= (byte) (ssrc >>> 16);
        iv[6] ^= (byte) (ssrc >>> 8);
        iv[7] ^= (byte) ssrc;
        for (int i = 0; i < 6; i++) {
            iv[13 - i] ^= (byte) (index >>> (8 * i));
        }
        ctr.xor(iv, a, from, n);
    }

    /** HMAC-SHA1 over a[off, off + n), followed by the ROC for SRTP (RFC 3711 §4.2). */
    private void authenticate(HMac mac, byte[] a, int off, int n, int rolloverCounter, boolean withRoc) {
        mac.update(a, off, n);
        if (withRoc) {
            putInt(roc, 0, rolloverCounter);
            mac.update(roc, 0, 4);
        }
        mac.doFinal(digest, 0);
    }
}
