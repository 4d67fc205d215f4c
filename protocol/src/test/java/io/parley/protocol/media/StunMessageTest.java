package io.parley.protocol.media;

import static io.parley.protocol.media.Bytes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** RFC 5769 test vectors, then malformed input. */
class StunMessageTest {

    static final byte[] KEY = StunMessage.shortTermKey("VOkJxbRl1RmTxUk/WvJxBt");
    static final byte[] TRANSACTION_ID = hex("b7e7a701 bc34d686 fa87dfae");

    /** RFC 5769 2.1: sample request (padding of USERNAME is spaces on purpose). */
    static final byte[] SAMPLE_REQUEST = hex("""
            0001 0058                       // Binding request, length 88
            2112a442                        // magic cookie
            b7e7a701 bc34d686 fa87dfae      // transaction ID
            8022 0010                       // SOFTWARE, 16 bytes
            5354554e 20746573 7420636c 69656e74 // "STUN test client"
            0024 0004                       // PRIORITY
            6e0001ff                        // 1845494271
            8029 0008                       // ICE-CONTROLLED
            932ff9b1 51263b36               // tie-breaker
            0006 0009                       // USERNAME, 9 bytes
            6576746a 3a683676 59202020      // "evtj:h6vY" + 3 bytes padding
            0008 0014                       // MESSAGE-INTEGRITY
            9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
            8028 0004                       // FINGERPRINT
            e57a3bcf
            """);

    /** RFC 5769 2.2: sample IPv4 response. */
    static final byte[] IPV4_RESPONSE = hex("""
            0101 003c                       // Binding success, length 60
            2112a442                        // magic cookie
            b7e7a701 bc34d686 fa87dfae      // transaction ID
            8022 000b                       // SOFTWARE, 11 bytes
            74657374 20766563 746f7220      // "test vector" + 1 byte padding
            0020 0008                       // XOR-MAPPED-ADDRESS
            0001 a147                       // IPv4, port 32853 ^ 0x2112
            e112a643                        // 192.0.2.1 ^ cookie
            0008 0014                       // MESSAGE-INTEGRITY
            2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
            8028 0004                       // FINGERPRINT
            c07d4c96
            """);

    /** RFC 5769 2.3: sample IPv6 response. */
    static final byte[] IPV6_RESPONSE = hex("""
            0101 0048                       // Binding success, length 72
            2112a442                        // magic cookie
            b7e7a701 bc34d686 fa87dfae      // transaction ID
            8022 000b                       // SOFTWARE, 11 bytes
            74657374 20766563 746f7220      // "test vector" + 1 byte padding
            0020 0014                       // XOR-MAPPED-ADDRESS
            0002 a147                       // IPv6, port 32853 ^ 0x2112
            0113a9fa a5d3f179 bc25f4b5 bed2b9d9 // 2001:db8:1234:5678:11:2233:4455:6677 ^ cookie+tid
            0008 0014                       // MESSAGE-INTEGRITY
            a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
            8028 0004                       // FINGERPRINT
            c8fb0b4c
            """);

    @Test
    void sampleRequest() {
        StunMessage m = parse(SAMPLE_REQUEST);
        assertThat(m.isBindingRequest()).isTrue();
        assertThat(m.transactionId()).isEqualTo(TRANSACTION_ID);
        assertThat(m.transactionIdEquals(TRANSACTION_ID)).isTrue();
        assertThat(m.software()).isEqualTo("STUN test client");
        assertThat(m.priority()).hasValue(0x6e0001ffL);
        assertThat(m.iceControlled()).hasValue(0x932ff9b151263b36L);
        assertThat(m.iceControlling()).isEmpty();
        assertThat(m.useCandidate()).isFalse();
        assertThat(m.username()).isEqualTo("evtj:h6vY");
        assertThat(m.checkIntegrity(KEY)).isTrue();
        assertThat(m.checkFingerprint()).isTrue();
        assertThat(m.toByteArray()).isEqualTo(SAMPLE_REQUEST);
    }

    @Test
    void ipv4Response() throws Exception {
        StunMessage m = parse(IPV4_RESPONSE);
        assertThat(m.isBindingSuccess()).isTrue();
        assertThat(m.software()).isEqualTo("test vector");
        assertThat(m.xorMappedAddress())
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));
        assertThat(m.checkIntegrity(KEY)).isTrue();
        assertThat(m.checkFingerprint()).isTrue();
    }

    @Test
    void ipv6Response() throws Exception {
        StunMessage m = parse(IPV6_RESPONSE);
        assertThat(m.xorMappedAddress()).isEqualTo(new InetSocketAddress(
                InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
        assertThat(m.checkIntegrity(KEY)).isTrue();
        assertThat(m.checkFingerprint()).isTrue();
    }

    @Test
    void parseFromByteBufLeavesReaderIndexAlone() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeByte(0xff).writeBytes(SAMPLE_REQUEST).readByte();
            assertThat(StunMessage.isStun(buf)).isTrue();
            Parsed<StunMessage> parsed = StunMessage.parse(buf);
            assertThat(parsed.isOk()).isTrue();
            assertThat(parsed.value().username()).isEqualTo("evtj:h6vY");
            assertThat(buf.readerIndex()).isEqualTo(1);
        } finally {
            buf.release();
        }
    }

    @Test
    void isStunDemux() {
        assertThat(isStun(SAMPLE_REQUEST)).isTrue();
        assertThat(isStun(Arrays.copyOf(SAMPLE_REQUEST, 19))).isFalse();
        byte[] rtp = SAMPLE_REQUEST.clone();
        rtp[0] = (byte) 0x80;
        assertThat(isStun(rtp)).isFalse();
        byte[] noCookie = SAMPLE_REQUEST.clone();
        noCookie[5] = 0;
        assertThat(isStun(noCookie)).isFalse();
    }

    @Test
    void wrongPasswordOrTamperedBodyFailsIntegrity() {
        assertThat(parse(SAMPLE_REQUEST).checkIntegrity(StunMessage.shortTermKey("wrong"))).isFalse();
        assertThat(parse(SAMPLE_REQUEST).checkIntegrity(new byte[0])).isFalse();
        byte[] tampered = SAMPLE_REQUEST.clone();
        tampered[27] ^= 1; // inside SOFTWARE
        StunMessage m = parse(tampered);
        assertThat(m.checkIntegrity(KEY)).isFalse();
        assertThat(m.checkFingerprint()).isFalse();
    }

    @Test
    void badFingerprint() {
        byte[] bad = IPV4_RESPONSE.clone();
        bad[bad.length - 1] ^= 1;
        StunMessage m = parse(bad);
        assertThat(m.checkIntegrity(KEY)).isTrue(); // FINGERPRINT is outside MESSAGE-INTEGRITY
        assertThat(m.checkFingerprint()).isFalse();
    }

    @Test
    void missingIntegrityAndFingerprintAreReportedFalse() {
        byte[] bare = hex("0001 0000 2112a442 b7e7a701 bc34d686 fa87dfae");
        StunMessage m = parse(bare);
        assertThat(m.hasMessageIntegrity()).isFalse();
        assertThat(m.hasFingerprint()).isFalse();
        assertThat(m.checkIntegrity(KEY)).isFalse();
        assertThat(m.checkFingerprint()).isFalse();
        assertThat(m.username()).isNull();
        assertThat(m.priority()).isEmpty();
        assertThat(m.errorCode()).isEqualTo(-1);
    }

    @Test
    void attributesAfterIntegrityOtherThanFingerprintAreIgnored() {
        // SAMPLE_REQUEST minus FINGERPRINT, plus a USERNAME after MESSAGE-INTEGRITY.
        byte[] head = Arrays.copyOf(SAMPLE_REQUEST, SAMPLE_REQUEST.length - 8);
        byte[] tail = hex("0006 0004 61626364"); // USERNAME "abcd"
        byte[] msg = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, msg, head.length, tail.length);
        msg[3] = (byte) (msg.length - 20);
        StunMessage m = parse(msg);
        assertThat(m.username()).isEqualTo("evtj:h6vY");
        assertThat(m.checkIntegrity(KEY)).isTrue();
    }

    @Test
    void malformedInputFailsWithAReason() {
        assertFails(new byte[0], "0 bytes (expected: >= 20)");
        assertFails(Arrays.copyOf(SAMPLE_REQUEST, 19), "19 bytes");
        byte[] firstByte = SAMPLE_REQUEST.clone();
        firstByte[0] = 0x40;
        assertFails(firstByte, "top two bits 0");
        byte[] cookie = SAMPLE_REQUEST.clone();
        cookie[4] = 0;
        assertFails(cookie, "magic cookie");
        // Truncated datagram: the header still claims 88 bytes.
        assertFails(Arrays.copyOf(SAMPLE_REQUEST, SAMPLE_REQUEST.length - 4), "STUN length: 88");
        byte[] oddLength = SAMPLE_REQUEST.clone();
        oddLength[3] = 0x57;
        assertFails(oddLength, "multiple of 4");
        // An attribute whose length runs past the end of the message.
        byte[] overrun = SAMPLE_REQUEST.clone();
        overrun[23] = (byte) 0xf0; // SOFTWARE length 240
        assertFails(overrun, "overrun the message");
        // PRIORITY with 8 bytes instead of 4.
        assertFails(hex("0001 000c 2112a442 b7e7a701 bc34d686 fa87dfae 0024 0008 00000001 00000002"),
                "PRIORITY: 8 bytes (expected: 4)");
        // PRIORITY with 0 bytes at the very end must not read past the array.
        assertFails(hex("0001 0004 2112a442 b7e7a701 bc34d686 fa87dfae 0024 0000"), "PRIORITY: 0 bytes");
        assertFails(hex("0101 000c 2112a442 b7e7a701 bc34d686 fa87dfae 0020 0008 0003 a147 e112a643"),
                "family: 3");
        assertFails(hex("0101 0008 2112a442 b7e7a701 bc34d686 fa87dfae 0020 0004 0002 a147"),
                "XOR-MAPPED-ADDRESS: 4 bytes (expected: 20)");
        // Something after FINGERPRINT.
        byte[] tail = hex("0025 0000");
        byte[] after = Arrays.copyOf(SAMPLE_REQUEST, SAMPLE_REQUEST.length + 4);
        System.arraycopy(tail, 0, after, SAMPLE_REQUEST.length, 4);
        after[3] = (byte) (after.length - 20);
        assertFails(after, "after FINGERPRINT");
    }

    @Test
    void garbageNeverThrows() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] msg = SAMPLE_REQUEST.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                msg[random.nextInt(msg.length)] = (byte) random.nextInt(256);
            }
            byte[] cut = Arrays.copyOf(msg, random.nextInt(msg.length + 1));
            StunMessage.parse(msg);
            StunMessage.parse(cut);
        }
    }

    static StunMessage parse(byte[] bytes) {
        Parsed<StunMessage> parsed = StunMessage.parse(bytes);
        assertThat(parsed.error()).isNull();
        return parsed.value();
    }

    private static boolean isStun(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return StunMessage.isStun(buf);
        } finally {
            buf.release();
        }
    }

    private static void assertFails(byte[] bytes, String reason) {
        Parsed<StunMessage> parsed = StunMessage.parse(bytes);
        assertThat(parsed.isOk()).isFalse();
        assertThat(parsed.error()).contains(reason);
    }
}
