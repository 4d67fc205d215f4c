package io.parley.media.srtp;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The RFC 3711 §4.3 key derivation with the AES-CM PRF and a key derivation rate of 0 (what
 * DTLS-SRTP uses), so session keys depend only on the master key, the salt and the label: they
 * are derived once per session direction and shared by every SSRC in it.
 */
final class SrtpKeyDerivation {
    static final int RTP_ENCRYPTION = 0;
    static final int RTP_AUTH = 1;
    static final int RTP_SALT = 2;
    static final int RTCP_ENCRYPTION = 3;
    static final int RTCP_AUTH = 4;
    static final int RTCP_SALT = 5;

    /** HMAC-SHA1 session authentication key length (RFC 3711 §8.2, n_a = 160). */
    static final int AUTH_KEY_LENGTH = 20;

    private SrtpKeyDerivation() {
    }

    static byte[] derive(byte[] masterKey, byte[] masterSalt, int label, int length) {
        // x = (label || index DIV kdr) XOR master_salt, the 56-bit key_id right-aligned in 112 bits;
        // a 96-bit AEAD salt is zero-padded on the right to 112 bits, as libsrtp does (RFC 7714 §11).
        byte[] iv = new byte[16];
        System.arraycopy(masterSalt, 0, iv, 0, masterSalt.length);
        iv[7] ^= (byte) label;
        try {
            Cipher prf = Cipher.getInstance("AES/CTR/NoPadding");
            prf.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(masterKey, "AES"), new IvParameterSpec(iv));
            return prf.doFinal(new byte[length]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR unavailable in this JRE", e);
        }
    }
}
