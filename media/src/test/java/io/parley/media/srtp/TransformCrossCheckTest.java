package io.parley.media.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The allocation-free transforms against the JDK's own AES/GCM, AES/CTR and HmacSHA1, computed here from the RFCs'
 * definitions, for random keys, SSRCs, indexes (ROC included) and lengths from empty to larger than the transforms'
 * preallocated buffers; and every flipped bit of a protected packet fails to unprotect.
 */
class TransformCrossCheckTest {
    private final Random random = new Random(7714);

    @Test
    void gcmRtpMatchesJdkGcm() throws Exception {
        for (int round = 0; round < 400; round++) {
            byte[] key = bytes(16);
            byte[] salt = bytes(12);
            AesGcmTransform t = new AesGcmTransform(key, salt, bytes(16), bytes(12));
            int hdr = 12 + 4 * random.nextInt(4);
            int len = hdr + length();
            int ssrc = random.nextInt();
            long index = random.nextLong() & 0xFFFF_FFFF_FFFFL;
            byte[] plain = bytes(len);
            byte[] ours = Arrays.copyOf(plain, len + 16);
            assertThat(t.protectRtp(ours, 0, hdr, len, ssrc, index)).isTrue();

            byte[] iv = new byte[12];
            SrtpTransform.putInt(iv, 2, ssrc);
            SrtpTransform.putInt(iv, 6, (int) (index >>> 16));
            iv[10] = (byte) (index >>> 8);
            iv[11] = (byte) index;
            for (int i = 0; i < 12; i++) {
                iv[i] ^= salt[i];
            }
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
            gcm.updateAAD(plain, 0, hdr);
            byte[] sealed = gcm.doFinal(plain, hdr, len - hdr);
            assertThat(Arrays.copyOfRange(ours, hdr, len + 16)).as("round %d", round).isEqualTo(sealed);
            assertThat(Arrays.copyOf(ours, hdr)).isEqualTo(Arrays.copyOf(plain, hdr));

            AesGcmTransform peer = new AesGcmTransform(key, salt, bytes(16), bytes(12));
            byte[] back = ours.clone();
            assertThat(peer.unprotectRtp(back, 0, hdr, len + 16, ssrc, index)).isTrue();
            assertThat(Arrays.copyOf(back, len)).isEqualTo(plain);
            assertThat(peer.unprotectRtp(ours.clone(), 0, hdr, len + 16, ssrc, index + 1)).isFalse();
        }
    }

    @Test
    void gcmRtcpMatchesJdkGcm() throws Exception {
        for (int round = 0; round < 200; round++) {
            byte[] key = bytes(16);
            byte[] salt = bytes(12);
            AesGcmTransform t = new AesGcmTransform(bytes(16), bytes(12), key, salt);
            int len = 8 + length();
            int ssrc = random.nextInt();
            int index = random.nextInt() & 0x7FFFFFFF;
            byte[] plain = bytes(len);
            byte[] ours = Arrays.copyOf(plain, len + 16 + 4);
            assertThat(t.protectRtcp(ours, 0, len, ssrc, index)).isTrue();

            byte[] iv = new byte[12];
            SrtpTransform.putInt(iv, 2, ssrc);
            SrtpTransform.putInt(iv, 8, index);
            for (int i = 0; i < 12; i++) {
                iv[i] ^= salt[i];
            }
            byte[] trailer = new byte[4];
            SrtpTransform.putInt(trailer, 0, 0x80000000 | index);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
            gcm.updateAAD(plain, 0, 8);
            gcm.updateAAD(trailer);
            byte[] sealed = gcm.doFinal(plain, 8, len - 8);
            assertThat(Arrays.copyOfRange(ours, 8, len + 16)).isEqualTo(sealed);
            assertThat(Arrays.copyOfRange(ours, len + 16, len + 20)).isEqualTo(trailer);

            AesGcmTransform peer = new AesGcmTransform(bytes(16), bytes(12), key, salt);
            byte[] back = ours.clone();
            assertThat(peer.unprotectRtcp(back, 0, len + 20, ssrc, index, true)).isTrue();
            assertThat(Arrays.copyOf(back, len)).isEqualTo(plain);
        }
    }

    @Test
    void aesCmMatchesJdkCtrAndHmac() throws Exception {
        for (int round = 0; round < 400; round++) {
            byte[] key = bytes(16);
            byte[] salt = bytes(14);
            byte[] auth = bytes(20);
            AesCmTransform t = new AesCmTransform(key, salt, auth, bytes(16), bytes(14), bytes(20));
            int hdr = 12;
            int len = hdr + length();
            int ssrc = random.nextInt();
            long index = random.nextLong() & 0xFFFF_FFFF_FFFFL;
            byte[] plain = bytes(len);
            byte[] ours = Arrays.copyOf(plain, len + 10);
            assertThat(t.protectRtp(ours, 0, hdr, len, ssrc, index)).isTrue();

            byte[] iv = new byte[16];
            System.arraycopy(salt, 0, iv, 0, 14);
            iv[4] ^= (byte) (ssrc >>> 24);
            iv[5] ^= (byte) (ssrc >>> 16);
            iv[6] ^= (byte) (ssrc >>> 8);
            iv[7] ^= (byte) ssrc;
            for (int i = 0; i < 6; i++) {
                iv[13 - i] ^= (byte) (index >>> (8 * i));
            }
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            byte[] expected = plain.clone();
            ctr.doFinal(plain, hdr, len - hdr, expected, hdr);
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(auth, "HmacSHA1"));
            mac.update(expected, 0, len);
            byte[] roc = new byte[4];
            SrtpTransform.putInt(roc, 0, (int) (index >>> 16));
            byte[] tag = mac.doFinal(roc);
            assertThat(Arrays.copyOf(ours, len)).isEqualTo(expected);
            assertThat(Arrays.copyOfRange(ours, len, len + 10)).isEqualTo(Arrays.copyOf(tag, 10));

            AesCmTransform peer = new AesCmTransform(key, salt, auth, bytes(16), bytes(14), bytes(20));
            byte[] back = ours.clone();
            assertThat(peer.unprotectRtp(back, 0, hdr, len + 10, ssrc, index)).isTrue();
            assertThat(Arrays.copyOf(back, len)).isEqualTo(plain);
        }
    }

    @Test
    void everyFlippedBitFailsAuthentication() {
        for (SrtpProfile profile : SrtpProfile.values()) {
            byte[] masterKey = bytes(profile.keyLength());
            byte[] masterSalt = bytes(profile.saltLength());
            SrtpTransform sender = SrtpTransform.create(profile, masterKey, masterSalt);
            int tag = profile.tagLength();
            int len = 12 + 120;
            byte[] packet = Arrays.copyOf(bytes(len), len + tag);
            packet[0] = (byte) 0x80;
            assertThat(sender.protectRtp(packet, 0, 12, len, 42, 7)).isTrue();
            for (int bit = 0; bit < (len + tag) * 8; bit++) {
                byte[] bad = packet.clone();
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
                SrtpTransform receiver = SrtpTransform.create(profile, masterKey, masterSalt);
                assertThat(receiver.unprotectRtp(bad, 0, 12, len + tag, 42, 7)).as("%s bit %d", profile, bit).isFalse();
            }
        }
    }

    @Test
    void gcmRefusesToSealTwiceUnderOneIv() {
        AesGcmTransform t = new AesGcmTransform(bytes(16), bytes(12), bytes(16), bytes(12));
        byte[] a = new byte[12 + 20 + 16];
        assertThat(t.protectRtp(a, 0, 12, 32, 1, 5)).isTrue();
        assertThat(t.protectRtp(new byte[48], 0, 12, 32, 1, 5)).isFalse();
        assertThat(t.protectRtp(new byte[48], 0, 12, 32, 1, 6)).isTrue();
        assertThat(t.protectRtp(new byte[48], 0, 12, 32, 1, 5)).as("an older index again (a retransmission)").isTrue();
    }

    /** Mostly audio sizes, sometimes empty, sometimes beyond the 1,536-byte buffers the transforms start with. */
    private int length() {
        int pick = random.nextInt(10);
        return pick == 0 ? 0 : pick == 1 ? 1500 + random.nextInt(700) : random.nextInt(300);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
