package io.parley.media.srtp;

import java.util.Arrays;
import org.bouncycastle.crypto.modes.gcm.GCMMultiplier;
import org.bouncycastle.crypto.modes.gcm.Tables4kGCMMultiplier;

/**
 * GHASH (NIST SP 800-38D §6.4) over the AAD and the ciphertext, fed in pieces: BouncyCastle's table multiplier does
 * the multiplication by H in GF(2^128) in place, so a packet costs no allocation. Not thread-safe.
 */
final class Ghash {
    private final GCMMultiplier multiplier = new Tables4kGCMMultiplier();
    private final byte[] y = new byte[16];
    private int pending;
    private long aadBytes;
    private long textBytes;
    private boolean inText;

    /** @param h E(K, 0^128) */
    Ghash(byte[] h) {
        multiplier.init(h.clone());
    }

    void reset() {
        Arrays.fill(y, (byte) 0);
        pending = 0;
        aadBytes = 0;
        textBytes = 0;
        inText = false;
    }

    /** More additional authenticated data; all of it comes before {@link #text}. */
    void aad(byte[] a, int off, int n) {
        absorb(a, off, n);
        aadBytes += n;
    }

    /** More ciphertext. The AAD is zero-padded to a block before the first call. */
    void text(byte[] a, int off, int n) {
        if (!inText) {
            padBlock();
            inText = true;
        }
        absorb(a, off, n);
        textBytes += n;
    }

    /** Pads, hashes len(A) || len(C) in bits, and leaves S in {@code out[0, 16)}. */
    void finish(byte[] out) {
        padBlock();
        long aBits = aadBytes * 8;
        long cBits = textBytes * 8;
        for (int i = 0; i < 8; i++) {
            y[i] ^= (byte) (aBits >>> (56 - 8 * i));
            y[8 + i] ^= (byte) (cBits >>> (56 - 8 * i));
        }
        multiplier.multiplyH(y);
        System.arraycopy(y, 0, out, 0, 16);
    }

    private void absorb(byte[] a, int off, int n) {
        for (int i = 0; i < n; i++) {
            y[pending++] ^= a[off + i];
            if (pending == 16) {
                multiplier.multiplyH(y);
                pending = 0;
            }
        }
    }

    private void padBlock() {
        if (pending > 0) {
            multiplier.multiplyH(y);
            pending = 0;
        }
    }
}
