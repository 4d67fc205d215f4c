package io.parley.media.srtp;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES in counter mode from one AES/ECB cipher keyed once: each packet's counter blocks are written into a reused
 * array and encrypted in one call, so no per-packet {@code Cipher.init} (which allocates a key schedule and spec
 * objects) and no allocation at all in steady state. The JDK's ECB path uses the AES instructions where the CPU has
 * them. Not thread-safe: owned by one {@link SrtpTransform}.
 */
final class AesCounter {
    private static final int BLOCK = 16;

    private final Cipher ecb;
    private byte[] counters = new byte[BLOCK * 96];
    private byte[] keystream = new byte[BLOCK * 96];

    AesCounter(byte[] key) {
        try {
            ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/ECB unavailable in this JRE", e);
        }
    }

    /**
     * XORs into {@code a[from, from + n)} the keystream E(K, C0), E(K, C1), … where C0 is {@code initial} and each
     * next block adds one to the last 32 bits, modulo 2^32 (GCM's inc32; for AES-CM, whose low 16 bits start at zero
     * and a packet is far below 2^16 blocks, the same as adding to the whole 128-bit counter).
     */
    void xor(byte[] initial, byte[] a, int from, int n) {
        if (n <= 0) {
            return;
        }
        int blocks = (n + BLOCK - 1) / BLOCK;
        int bytes = blocks * BLOCK;
        if (counters.length < bytes) {
            counters = new byte[bytes];
            keystream = new byte[bytes];
        }
        int c0 = SrtpTransform.getInt(initial, 12);
        for (int b = 0, at = 0; b < blocks; b++, at += BLOCK) {
            System.arraycopy(initial, 0, counters, at, 12);
            SrtpTransform.putInt(counters, at + 12, c0 + b);
        }
        encrypt(counters, bytes, keystream);
        for (int i = 0; i < n; i++) {
            a[from + i] ^= keystream[i];
        }
    }

    /** E(K, block) into {@code out[0, 16)}. */
    void encryptBlock(byte[] block, byte[] out) {
        encrypt(block, BLOCK, out);
    }

    private void encrypt(byte[] in, int len, byte[] out) {
        try {
            ecb.update(in, 0, len, out, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("AES/ECB output buffer", e);
        }
    }
}
