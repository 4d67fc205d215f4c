package io.parley.media.srtp;

import static io.parley.media.srtp.Bytes.buffer;
import static io.parley.media.srtp.Bytes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Known-answer tests: RFC 3711 Appendix B, libsrtp's srtp_driver packets, RFC 7714 §16-17. */
class SrtpVectorsTest {
    // RFC 3711 B.3 master key and salt; libsrtp's srtp_driver uses the same pair.
    private static final byte[] MASTER_KEY = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static final byte[] MASTER_SALT = hex("0EC675AD498AFEEBB6960B3AABE6");

    @Test
    void rfc3711_b3_keyDerivation() {
        assertThat(SrtpKeyDerivation.derive(MASTER_KEY, MASTER_SALT, SrtpKeyDerivation.RTP_ENCRYPTION, 16))
                .isEqualTo(hex("C61E7A93744F39EE10734AFE3FF7A087"));
        assertThat(SrtpKeyDerivation.derive(MASTER_KEY, MASTER_SALT, SrtpKeyDerivation.RTP_SALT, 14))
                .isEqualTo(hex("30CBBC08863D8C85D49DB34A9AE1"));
        // The RFC prints 94 bytes of the auth keystream; HMAC-SHA1 uses the first 20.
        assertThat(SrtpKeyDerivation.derive(MASTER_KEY, MASTER_SALT, SrtpKeyDerivation.RTP_AUTH, 94))
                .isEqualTo(hex("""
                        CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
                        E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
                        6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"""));
    }

    @Test
    void rfc3711_b2_aesCmKeystream() {
        // Session key and salt given directly; SSRC 0, ROC 0, SEQ 0, so IV = salt || 0000.
        SrtpTransform t = new AesCmTransform(hex("2B7E151628AED2A6ABF7158809CF4F3C"),
                hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), new byte[20], new byte[16], new byte[14], new byte[20]);
        int blocks = 0xFF02;
        byte[] packet = new byte[12 + blocks * 16 + 10];
        packet[0] = (byte) 0x80; // V=2, PT 0, SEQ 0, TS 0, SSRC 0; payload all zero = the keystream
        assertThat(t.protectRtp(packet, 0, 12, 12 + blocks * 16, 0, 0)).isTrue();
        assertThat(block(packet, 0x0000)).isEqualTo(hex("E03EAD0935C95E80E166B16DD92B4EB4"));
        assertThat(block(packet, 0x0001)).isEqualTo(hex("D23513162B02D0F72A43A2FE4A5F97AB"));
        assertThat(block(packet, 0x0002)).isEqualTo(hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
        assertThat(block(packet, 0xFEFF)).isEqualTo(hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
        assertThat(block(packet, 0xFF00)).isEqualTo(hex("362B7C3C6773516318A077D7FC5073AE"));
        assertThat(block(packet, 0xFF01)).isEqualTo(hex("6A2CC3787889374FBEB4C81B17BA6C44"));
    }

    private static byte[] block(byte[] packet, int n) {
        return java.util.Arrays.copyOfRange(packet, 12 + 16 * n, 12 + 16 * n + 16);
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void aesCm_rtpPacket_libsrtp(boolean direct) {
        byte[] plain = hex("800f1234 decafbad cafebabe abababab abababab abababab abababab");
        byte[] wire = hex("""
                800f1234 decafbad cafebabe
                4e55dc4c e79978d8 8ca4d215 949d2402
                b78d6acc 99ea179b 8dbb""");
        roundTrip(direct, SrtpProfile.AES_CM_128_HMAC_SHA1_80, plain, wire, false);
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void aesCm_rtcpPacket_libsrtp(boolean direct) {
        byte[] plain = hex("81c8000b cafebabe abababab abababab abababab abababab");
        byte[] wire = hex("""
                81c8000b cafebabe
                7128035b e487b9bd bef89041 f977a5a8
                80000001
                993e08cd 54d6c123 0798""");
        roundTrip(direct, SrtpProfile.AES_CM_128_HMAC_SHA1_80, plain, wire, true);
    }

    private static void roundTrip(boolean direct, SrtpProfile profile, byte[] plain, byte[] wire, boolean rtcp) {
        SrtpContext sender = SrtpContext.create(profile, MASTER_KEY, MASTER_SALT);
        SrtpContext receiver = SrtpContext.create(profile, MASTER_KEY, MASTER_SALT);
        check(direct, sender, receiver, plain, wire, rtcp);
    }

    private static void check(boolean direct, SrtpContext sender, SrtpContext receiver, byte[] plain, byte[] wire,
            boolean rtcp) {
        ByteBuf buf = buffer(direct, plain);
        try {
            assertThat(rtcp ? sender.protectRtcp(buf) : sender.protectRtp(buf)).isEqualTo(SrtpStatus.OK);
            assertThat(hex(buf)).isEqualTo(java.util.HexFormat.of().formatHex(wire));
            assertThat(rtcp ? receiver.unprotectRtcp(buf) : receiver.unprotectRtp(buf)).isEqualTo(SrtpStatus.OK);
            assertThat(hex(buf)).isEqualTo(java.util.HexFormat.of().formatHex(plain));
        } finally {
            buf.release();
        }
    }

    // RFC 7714 §16 and §17 give the AEAD_AES_128_GCM session key and salt directly (no KDF).
    private static final byte[] GCM_KEY = hex("000102030405060708090a0b0c0d0e0f");
    private static final byte[] GCM_SALT = hex("517569642070726f2071756f"); // "Quid pro quo"

    private static SrtpContext gcmContext() {
        return new SrtpContext(new AesGcmTransform(GCM_KEY, GCM_SALT, GCM_KEY, GCM_SALT));
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void rfc7714_gcmRtp(boolean direct) {
        byte[] plain = hex("""
                8040f17b 8041f8d3 5501a0b2
                47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573""");
        byte[] wire = hex("""
                8040f17b 8041f8d3 5501a0b2
                f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833
                899d7f27 beb16a91 52cf765e e4390cce""");
        check(direct, gcmContext(), gcmContext(), plain, wire, false);
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void rfc7714_gcmRtcp(boolean direct) {
        byte[] plain = hex("""
                81c8000d 4d617273
                4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                deadbeef deadbeef deadbeef deadbeef deadbeef""");
        byte[] wire = hex("""
                81c8000d 4d617273
                63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b
                c84aa458 96cf4d2f c5abf872 45d9eade
                800005d4""");
        SrtpContext sender = gcmContext();
        sender.resumeSending(-1, 0x5d4 - 1); // the vector's SRTCP index is 0x5d4
        check(direct, sender, gcmContext(), plain, wire, true);
    }
}
