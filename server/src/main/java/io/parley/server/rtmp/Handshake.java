package io.parley.server.rtmp;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The RTMP handshake's packets. Plain: S1 is time, zero and random bytes; S2 echoes C1. Digest ("complex", what
 * Flash Player, librtmp and ffmpeg send): C1 carries an HMAC-SHA256 at a position derived from its own bytes in one
 * of two layouts; the server answers with an S1 digested the same way with the FMS key and an S2 signed with a key
 * derived from C1's digest. Keys and layouts are the protocol's published constants.
 */
final class Handshake {
    static final int PACKET = 1536;
    static final int DIGEST = 32;
    static final int VERSION = 3;

    private static final byte[] KEY_TAIL = {
        (byte) 0xF0, (byte) 0xEE, (byte) 0xC2, (byte) 0x4A, (byte) 0x80, (byte) 0x68, (byte) 0xBE, (byte) 0xE8,
        (byte) 0x2E, (byte) 0x00, (byte) 0xD0, (byte) 0xD1, (byte) 0x02, (byte) 0x9E, (byte) 0x7E, (byte) 0x57,
        (byte) 0x6E, (byte) 0xEC, (byte) 0x5D, (byte) 0x2D, (byte) 0x29, (byte) 0x80, (byte) 0x6F, (byte) 0xAB,
        (byte) 0x93, (byte) 0xB8, (byte) 0xE6, (byte) 0x36, (byte) 0xCF, (byte) 0xEB, (byte) 0x31, (byte) 0xAE};
    /** "Genuine Adobe Flash Player 001" + tail; C1 digests use the first 30 bytes. */
    static final byte[] FP_KEY = concat("Genuine Adobe Flash Player 001".getBytes(StandardCharsets.US_ASCII), KEY_TAIL);
    static final int FP_KEY_SHORT = 30;
    /** "Genuine Adobe Flash Media Server 001" + tail; S1 digests use the first 36 bytes, S2's key the whole. */
    static final byte[] FMS_KEY = concat("Genuine Adobe Flash Media Server 001".getBytes(StandardCharsets.US_ASCII), KEY_TAIL);
    static final int FMS_KEY_SHORT = 36;
    /** The version this server puts into a digest S1 (bytes 4..7); ffmpeg checks the digests when byte 4 >= 3. */
    static final byte[] SERVER_VERSION = {4, 5, 0, 1};

    private Handshake() {}

    /** Digest position for layout 0 (digest block first, at 8) or 1 (key block first, digest block at 772). */
    static int digestOffset(byte[] packet, int layout) {
        int base = layout == 0 ? 8 : 772;
        int sum = (packet[base] & 0xFF) + (packet[base + 1] & 0xFF) + (packet[base + 2] & 0xFF) + (packet[base + 3] & 0xFF);
        return sum % 728 + base + 4;
    }

    /** The HMAC-SHA256 of the packet without its 32 digest bytes at {@code offset}. */
    static byte[] digestAt(byte[] packet, int offset, byte[] key, int keyLength) {
        Mac mac = mac(Arrays.copyOf(key, keyLength));
        mac.update(packet, 0, offset);
        mac.update(packet, offset + DIGEST, PACKET - offset - DIGEST);
        return mac.doFinal();
    }

    /** Where C1's valid client digest is, or -1 when C1 has none (a plain handshake). */
    static int findClientDigest(byte[] c1) {
        for (int layout = 0; layout < 2; layout++) {
            int off = digestOffset(c1, layout);
            byte[] expected = digestAt(c1, off, FP_KEY, FP_KEY_SHORT);
            if (MessageDigest.isEqual(expected, Arrays.copyOfRange(c1, off, off + DIGEST))) {
                return off;
            }
        }
        return -1;
    }

    /** Which layout a digest offset found by {@link #findClientDigest} belongs to. */
    static int layoutOf(int offset) {
        return offset < 772 ? 0 : 1;
    }

    /** A digest S1 in the given layout: time, server version, random bytes and the FMS-key digest. */
    static byte[] digestS1(byte[] random, int timeMillis, int layout) {
        byte[] s1 = Arrays.copyOf(random, PACKET);
        putInt(s1, 0, timeMillis);
        System.arraycopy(SERVER_VERSION, 0, s1, 4, 4);
        int off = digestOffset(s1, layout);
        System.arraycopy(digestAt(s1, off, FMS_KEY, FMS_KEY_SHORT), 0, s1, off, DIGEST);
        return s1;
    }

    /** A digest S2: random bytes whose last 32 are signed with HMAC(FMS key, C1's digest). */
    static byte[] digestS2(byte[] random, byte[] c1, int c1DigestOffset) {
        byte[] s2 = Arrays.copyOf(random, PACKET);
        byte[] key = mac(FMS_KEY).doFinal(Arrays.copyOfRange(c1, c1DigestOffset, c1DigestOffset + DIGEST));
        Mac mac = mac(key);
        mac.update(s2, 0, PACKET - DIGEST);
        System.arraycopy(mac.doFinal(), 0, s2, PACKET - DIGEST, DIGEST);
        return s2;
    }

    /** A plain S1: time, four zero bytes, random bytes. */
    static byte[] plainS1(byte[] random, int timeMillis) {
        byte[] s1 = Arrays.copyOf(random, PACKET);
        putInt(s1, 0, timeMillis);
        Arrays.fill(s1, 4, 8, (byte) 0);
        return s1;
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
