package io.parley.protocol.media;

import static io.parley.protocol.media.Bytes.hex;
import static io.parley.protocol.media.StunMessageTest.KEY;
import static io.parley.protocol.media.StunMessageTest.TRANSACTION_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Expected bytes were computed independently (Python hmac/zlib) with the RFC 5769 key and ID. */
class StunEncoderTest {

    @Test
    void bindingSuccessIpv4() throws Exception {
        InetSocketAddress mapped = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853);
        byte[] encoded = StunEncoder.bindingSuccess(TRANSACTION_ID, mapped, KEY);
        assertThat(encoded).isEqualTo(hex("""
                0101 002c                   // Binding success, length 44
                2112a442                    // magic cookie
                b7e7a701 bc34d686 fa87dfae  // transaction ID
                0020 0008 0001 a147 e112a643 // XOR-MAPPED-ADDRESS 192.0.2.1:32853
                0008 0014                   // MESSAGE-INTEGRITY
                74c9371e bf314854 8518699c 3e3174c2 0dd9e68a
                8028 0004 fae4043a          // FINGERPRINT
                """));
        StunMessage m = StunMessageTest.parse(encoded);
        assertThat(m.xorMappedAddress()).isEqualTo(mapped);
        assertThat(m.checkIntegrity(KEY)).isTrue();
        assertThat(m.checkFingerprint()).isTrue();
    }

    @Test
    void bindingSuccessIpv6RoundTrip() throws Exception {
        InetSocketAddress mapped = new InetSocketAddress(
                InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853);
        byte[] encoded = StunEncoder.bindingSuccess(TRANSACTION_ID, mapped, KEY);
        // Same XOR-MAPPED-ADDRESS bytes as the RFC 5769 IPv6 vector.
        assertThat(java.util.Arrays.copyOfRange(encoded, 20, 44))
                .isEqualTo(java.util.Arrays.copyOfRange(StunMessageTest.IPV6_RESPONSE, 36, 60));
        StunMessage m = StunMessageTest.parse(encoded);
        assertThat(m.xorMappedAddress()).isEqualTo(mapped);
        assertThat(m.checkIntegrity(KEY)).isTrue();
        assertThat(m.checkFingerprint()).isTrue();
    }

    @Test
    void bindingRequestControllingWithUseCandidate() {
        byte[] encoded = StunEncoder.bindingRequest(TRANSACTION_ID, "evtj:h6vY", 0x6e0001ffL,
                true, 0x932ff9b151263b36L, true, KEY);
        assertThat(encoded).isEqualTo(hex("""
                0001 0048                   // Binding request, length 72
                2112a442                    // magic cookie
                b7e7a701 bc34d686 fa87dfae  // transaction ID
                0006 0009 6576746a 3a683676 59000000 // USERNAME "evtj:h6vY", zero padding
                0024 0004 6e0001ff          // PRIORITY
                802a 0008 932ff9b1 51263b36 // ICE-CONTROLLING + tie-breaker
                0025 0000                   // USE-CANDIDATE
                0008 0014                   // MESSAGE-INTEGRITY
                9722b22f 7aced880 9ee6b97a 2d6327ec 2882d509
                8028 0004 1d7c6f47          // FINGERPRINT
                """));
        StunMessage m = StunMessageTest.parse(encoded);
        assertThat(m.username()).isEqualTo("evtj:h6vY");
        assertThat(m.priority()).hasValue(0x6e0001ffL);
        assertThat(m.iceControlling()).hasValue(0x932ff9b151263b36L);
        assertThat(m.useCandidate()).isTrue();
        assertThat(m.checkIntegrity(KEY)).isTrue();
        assertThat(m.checkFingerprint()).isTrue();
    }

    @Test
    void bindingRequestControlled() {
        byte[] encoded = StunEncoder.bindingRequest(TRANSACTION_ID, "a:b", 1, false, -1L, false, KEY);
        StunMessage m = StunMessageTest.parse(encoded);
        assertThat(m.iceControlled()).hasValue(-1L);
        assertThat(m.iceControlling()).isEmpty();
        assertThat(m.useCandidate()).isFalse();
        assertThat(m.checkIntegrity(KEY)).isTrue();
    }

    @Test
    void unauthorizedHasNoIntegrity() {
        byte[] encoded = StunEncoder.bindingError(TRANSACTION_ID, StunEncoder.UNAUTHORIZED, null, null);
        assertThat(encoded).isEqualTo(hex("""
                0111 001c                   // Binding error, length 28
                2112a442                    // magic cookie
                b7e7a701 bc34d686 fa87dfae  // transaction ID
                0009 0010 0000 04 01        // ERROR-CODE class 4 number 1
                556e6175 74686f72 697a6564  // "Unauthorized"
                8028 0004 c9a5653d          // FINGERPRINT
                """));
        StunMessage m = StunMessageTest.parse(encoded);
        assertThat(m.isBindingError()).isTrue();
        assertThat(m.errorCode()).isEqualTo(401);
        assertThat(m.errorReason()).isEqualTo("Unauthorized");
        assertThat(m.hasMessageIntegrity()).isFalse();
        assertThat(m.checkFingerprint()).isTrue();
    }

    @Test
    void roleConflictIsSigned() {
        byte[] encoded = StunEncoder.bindingError(TRANSACTION_ID, StunEncoder.ROLE_CONFLICT, null, KEY);
        assertThat(encoded).isEqualTo(hex("""
                0111 0038                   // Binding error, length 56
                2112a442                    // magic cookie
                b7e7a701 bc34d686 fa87dfae  // transaction ID
                0009 0011 0000 04 57        // ERROR-CODE class 4 number 87
                526f6c65 20436f6e 666c6963 74000000 // "Role Conflict" + padding
                0008 0014                   // MESSAGE-INTEGRITY
                31128121 1954e91b 36277b00 9303cc0f b479f995
                8028 0004 b6d2d64f          // FINGERPRINT
                """));
        StunMessage m = StunMessageTest.parse(encoded);
        assertThat(m.errorCode()).isEqualTo(487);
        assertThat(m.checkIntegrity(KEY)).isTrue();
    }

    @Test
    void badRequestWithCustomReason() {
        StunMessage m = StunMessageTest.parse(
                StunEncoder.bindingError(TRANSACTION_ID, StunEncoder.BAD_REQUEST, "missing USERNAME", null));
        assertThat(m.errorCode()).isEqualTo(400);
        assertThat(m.errorReason()).isEqualTo("missing USERNAME");
    }

    @Test
    void transactionIdsAreFreshAndTwelveBytes() {
        assertThat(StunEncoder.newTransactionId()).hasSize(12).isNotEqualTo(StunEncoder.newTransactionId());
    }

    @Test
    void badArgumentsSayWhatWasExpected() {
        assertThatThrownBy(() -> StunEncoder.bindingError(new byte[11], 401, null, null))
                .hasMessageContaining("11 bytes (expected: 12)");
        assertThatThrownBy(() -> StunEncoder.bindingError(TRANSACTION_ID, 200, null, null))
                .hasMessageContaining("expected: 300..699");
        assertThatThrownBy(() -> StunEncoder.bindingRequest(TRANSACTION_ID, "x".repeat(514), 1, true, 0, false, KEY))
                .hasMessageContaining("514 bytes");
        assertThatThrownBy(() -> StunEncoder.bindingRequest(TRANSACTION_ID, "a:b", -1, true, 0, false, KEY))
                .hasMessageContaining("priority");
    }
}
