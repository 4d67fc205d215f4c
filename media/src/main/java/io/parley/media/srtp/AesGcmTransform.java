package io.parley.media.srtp;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** AEAD_AES_128_GCM (RFC 7714): 12-byte IV, 16-byte tag, the clear header as AAD. */
final class AesGcmTransform extends SrtpTransform {
    static final int TAG_LENGTH = 16;

    private final SecretKeySpec rtpKey;
    private final SecretKeySpec rtcpKey;
    private final byte[] rtpSalt;
    private final byte[] rtcpSalt;
    private final Cipher rtpGcm;
    private final Cipher rtcpGcm;
    private final byte[] iv = new byte[12];
    private final byte[] trailer = new byte[4];

    AesGcmTransform(byte[] masterKey, byte[] masterSalt) {
        this(SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTP_ENCRYPTION, 16),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTP_SALT, 12),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTCP_ENCRYPTION, 16),
                SrtpKeyDerivation.derive(masterKey, masterSalt, SrtpKeyDerivation.RTCP_SALT, 12));
    }

    /** From session keys directly: RFC 7714 §16-17 give session keys, not master keys. */
    AesGcmTransform(byte[] rtpKey, byte[] rtpSalt, byte[] rtcpKey, byte[] rtcpSalt) {
        this.rtpKey = new SecretKeySpec(rtpKey, "AES");
        this.rtcpKey = new SecretKeySpec(rtcpKey, "AES");
        this.rtpSalt = rtpSalt.clone();
        this.rtcpSalt = rtcpSalt.clone();
        try {
            rtpGcm = Cipher.getInstance("AES/GCM/NoPadding");
            rtcpGcm = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM unavailable in this JRE", e);
        }
    }

    @Override
    SrtpProfile profile() {
        return SrtpProfile.AEAD_AES_128_GCM;
    }

    @Override
    boolean protectRtp(byte[] a, int off, int hdr, int len, int ssrc, long index) {
        rtpIv(ssrc, index);
        try {
            rtpGcm.init(Cipher.ENCRYPT_MODE, rtpKey, new GCMParameterSpec(TAG_LENGTH * 8, iv));
        } catch (InvalidAlgorithmParameterException e) {
            return false; // JCE refuses to encrypt twice in a row under the same IV
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM init failed", e);
        }
        try {
            rtpGcm.updateAAD(a, off, hdr);
            rtpGcm.doFinal(a, off + hdr, len - hdr, a, off + hdr);
            return true;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    @Override
    boolean unprotectRtp(byte[] a, int off, int hdr, int len, int ssrc, long index) {
        rtpIv(ssrc, index);
        try {
            rtpGcm.init(Cipher.DECRYPT_MODE, rtpKey, new GCMParameterSpec(TAG_LENGTH * 8, iv));
            rtpGcm.updateAAD(a, off, hdr);
            rtpGcm.doFinal(a, off + hdr, len - hdr, a, off + hdr);
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    @Override
    boolean protectRtcp(byte[] a, int off, int len, int ssrc, int index) {
        rtcpIv(ssrc, index);
        putInt(trailer, 0, 0x80000000 | index);
        try {
            rtcpGcm.init(Cipher.ENCRYPT_MODE, rtcpKey, new GCMParameterSpec(TAG_LENGTH * 8, iv));
        } catch (InvalidAlgorithmParameterException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM init failed", e);
        }
        try {
            // RFC 7714 §9.2: AAD = first 8 header bytes || E||index; the trailer follows the tag.
            rtcpGcm.updateAAD(a, off, 8);
            rtcpGcm.updateAAD(trailer, 0, 4);
            rtcpGcm.doFinal(a, off + 8, len - 8, a, off + 8);
            System.arraycopy(trailer, 0, a, off + len + TAG_LENGTH, 4);
            return true;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    @Override
    boolean unprotectRtcp(byte[] a, int off, int len, int ssrc, int index, boolean encrypted) {
        rtcpIv(ssrc, index);
        int trailerAt = off + len - 4;
        try {
            rtcpGcm.init(Cipher.DECRYPT_MODE, rtcpKey, new GCMParameterSpec(TAG_LENGTH * 8, iv));
            if (encrypted) {
                rtcpGcm.updateAAD(a, off, 8);
                rtcpGcm.updateAAD(a, trailerAt, 4);
                rtcpGcm.doFinal(a, off + 8, len - 4 - 8, a, off + 8);
            } else {
                // E=0 (RFC 7714 §9.3): the whole clear packet is AAD and only the tag is "ciphertext".
                int clear = len - 4 - TAG_LENGTH;
                rtcpGcm.updateAAD(a, off, clear);
                rtcpGcm.updateAAD(a, trailerAt, 4);
                rtcpGcm.doFinal(a, off + clear, TAG_LENGTH, a, off + clear);
            }
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    /** RFC 7714 §8.1: (00 00 || SSRC || ROC || SEQ) XOR salt. */
    private void rtpIv(int ssrc, long index) {
        iv[0] = 0;
        iv[1] = 0;
        putInt(iv, 2, ssrc);
        putInt(iv, 6, (int) (index >>> 16));
        iv[10] = (byte) (index >>> 8);
        iv[11] = (byte) index;
        xorSalt(rtpSalt);
    }

    /** RFC 7714 §9.1: (00 00 || SSRC || 00 00 || 0 || 31-bit SRTCP index) XOR salt. */
    private void rtcpIv(int ssrc, int index) {
        iv[0] = 0;
        iv[1] = 0;
        putInt(iv, 2, ssrc);
        iv[6] = 0;
        iv[7] = 0;
        putInt(iv, 8, index & 0x7FFFFFFF);
        xorSalt(rtcpSalt);
    }

    private void xorSalt(byte[] salt) {
        for (int i = 0; i < 12; i++) {
            iv[i] ^= salt[i];
        }
    }
}
