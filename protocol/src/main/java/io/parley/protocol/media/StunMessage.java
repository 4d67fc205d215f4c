package io.parley.protocol.media;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A decoded STUN message (RFC 8489) with the attributes ICE-lite needs (RFC 8445).
 *
 * <p>Immutable once parsed. It keeps its own copy of the bytes because MESSAGE-INTEGRITY and
 * FINGERPRINT are checked over the original encoding, and the datagram buffer goes back to the
 * pool as soon as the handler returns. Decoding never throws: garbage yields {@link Parsed#fail}.
 */
public final class StunMessage {

    public static final int HEADER_LENGTH = 20;
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** XOR of the CRC32 in FINGERPRINT, so STUN is told apart from other protocols' CRCs. */
    public static final int FINGERPRINT_XOR = 0x5354554E;

    public static final int BINDING_REQUEST = 0x0001;
    public static final int BINDING_INDICATION = 0x0011;
    public static final int BINDING_SUCCESS = 0x0101;
    public static final int BINDING_ERROR = 0x0111;

    public static final int ATTR_USERNAME = 0x0006;
    public static final int ATTR_MESSAGE_INTEGRITY = 0x0008;
    public static final int ATTR_ERROR_CODE = 0x0009;
    public static final int ATTR_XOR_MAPPED_ADDRESS = 0x0020;
    public static final int ATTR_PRIORITY = 0x0024;
    public static final int ATTR_USE_CANDIDATE = 0x0025;
    public static final int ATTR_SOFTWARE = 0x8022;
    public static final int ATTR_FINGERPRINT = 0x8028;
    public static final int ATTR_ICE_CONTROLLED = 0x8029;
    public static final int ATTR_ICE_CONTROLLING = 0x802A;

    static final int MESSAGE_INTEGRITY_LENGTH = 20;
    static final int MAX_USERNAME_BYTES = 513;

    private static final ThreadLocal<Mac> HMAC_SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA1");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is required by every JRE", e);
        }
    });

    private final byte[] raw;
    private final int type;
    private final String username;
    private final InetSocketAddress xorMappedAddress;
    private final long priority; // -1 when absent (the value is an unsigned 32-bit number)
    private final boolean hasControlling;
    private final long controlling;
    private final boolean hasControlled;
    private final long controlled;
    private final boolean useCandidate;
    private final int errorCode; // -1 when absent
    private final String errorReason;
    private final String software;
    private final int integrityOffset; // offset of the MESSAGE-INTEGRITY attribute header, or -1
    private final int fingerprintOffset; // offset of the FINGERPRINT attribute header, or -1

    private StunMessage(StunDecoder d) {
        raw = d.raw;
        type = d.type;
        username = d.username;
        xorMappedAddress = d.xorMappedAddress;
        priority = d.priority;
        hasControlling = d.hasControlling;
        controlling = d.controlling;
        hasControlled = d.hasControlled;
        controlled = d.controlled;
        useCandidate = d.useCandidate;
        errorCode = d.errorCode;
        errorReason = d.errorReason;
        software = d.software;
        integrityOffset = d.integrityOffset;
        fingerprintOffset = d.fingerprintOffset;
    }

    /**
     * Cheap demultiplexing test (RFC 7983): the first byte is 0..3 and the magic cookie is in place.
     * Does not move the reader index.
     */
    public static boolean isStun(ByteBuf buf) {
        int i = buf.readerIndex();
        return buf.readableBytes() >= HEADER_LENGTH
                && (buf.getUnsignedByte(i) & 0xC0) == 0
                && buf.getInt(i + 4) == MAGIC_COOKIE;
    }

    /** Decodes the readable bytes of {@code buf} (one whole datagram); the reader index is unchanged. */
    public static Parsed<StunMessage> parse(ByteBuf buf) {
        int n = buf.readableBytes();
        if (n < HEADER_LENGTH) {
            return Parsed.fail("STUN message: " + n + " bytes (expected: >= " + HEADER_LENGTH + ")");
        }
        byte[] copy = new byte[n];
        buf.getBytes(buf.readerIndex(), copy);
        return decode(copy);
    }

    /** Decodes one whole datagram; the array is copied. */
    public static Parsed<StunMessage> parse(byte[] datagram) {
        return decode(datagram.clone());
    }

    private static Parsed<StunMessage> decode(byte[] raw) {
        StunDecoder d = new StunDecoder(raw);
        String error = d.run();
        return error == null ? Parsed.ok(new StunMessage(d)) : Parsed.fail(error);
    }

    /** The short-term credential key of ICE: the password's UTF-8 bytes (SASLprep is not applied). */
    public static byte[] shortTermKey(String password) {
        return password.getBytes(StandardCharsets.UTF_8);
    }

    public int type() {
        return type;
    }

    public boolean isBindingRequest() {
        return type == BINDING_REQUEST;
    }

    public boolean isBindingSuccess() {
        return type == BINDING_SUCCESS;
    }

    public boolean isBindingError() {
        return type == BINDING_ERROR;
    }

    public boolean isBindingIndication() {
        return type == BINDING_INDICATION;
    }

    /** A copy of the 96-bit transaction ID. */
    public byte[] transactionId() {
        return Arrays.copyOfRange(raw, 8, HEADER_LENGTH);
    }

    public boolean transactionIdEquals(byte[] id) {
        return id.length == 12 && Arrays.equals(raw, 8, HEADER_LENGTH, id, 0, 12);
    }

    /** USERNAME, e.g. {@code "serverUfrag:clientUfrag"} in an ICE check, or null. */
    public String username() {
        return username;
    }

    public InetSocketAddress xorMappedAddress() {
        return xorMappedAddress;
    }

    public OptionalLong priority() {
        return priority < 0 ? OptionalLong.empty() : OptionalLong.of(priority);
    }

    /** The tie-breaker of ICE-CONTROLLING, if present. */
    public OptionalLong iceControlling() {
        return hasControlling ? OptionalLong.of(controlling) : OptionalLong.empty();
    }

    /** The tie-breaker of ICE-CONTROLLED, if present. */
    public OptionalLong iceControlled() {
        return hasControlled ? OptionalLong.of(controlled) : OptionalLong.empty();
    }

    public boolean useCandidate() {
        return useCandidate;
    }

    /** The ERROR-CODE number (e.g. 401), or -1. */
    public int errorCode() {
        return errorCode;
    }

    public String errorReason() {
        return errorReason;
    }

    public String software() {
        return software;
    }

    public boolean hasMessageIntegrity() {
        return integrityOffset >= 0;
    }

    public boolean hasFingerprint() {
        return fingerprintOffset >= 0;
    }

    /** The encoded message, as received. */
    public byte[] toByteArray() {
        return raw.clone();
    }

    /**
     * Checks MESSAGE-INTEGRITY: HMAC-SHA1 keyed with {@code key} over the message up to that
     * attribute, with the header length field set as if the message ended right after it.
     * False when the attribute is missing.
     */
    public boolean checkIntegrity(byte[] key) {
        if (integrityOffset < 0 || key == null || key.length == 0) {
            return false;
        }
        byte[] expected = hmacSha1(key, raw, integrityOffset);
        return MessageDigest.isEqual(expected,
                Arrays.copyOfRange(raw, integrityOffset + 4, integrityOffset + 4 + MESSAGE_INTEGRITY_LENGTH));
    }

    /** Checks FINGERPRINT (CRC32 of the preceding bytes XOR 0x5354554e). False when it is missing. */
    public boolean checkFingerprint() {
        if (fingerprintOffset < 0) {
            return false;
        }
        return fingerprint(raw, fingerprintOffset) == readInt(raw, fingerprintOffset + 4);
    }

    /**
     * HMAC-SHA1 over {@code msg[0, end)} where {@code end} is the offset of the MESSAGE-INTEGRITY
     * attribute; the length field is adjusted to cover up to the end of that attribute.
     */
    static byte[] hmacSha1(byte[] key, byte[] msg, int end) {
        Mac mac = HMAC_SHA1.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 rejected a raw key", e);
        }
        int adjusted = end + 4 + MESSAGE_INTEGRITY_LENGTH - HEADER_LENGTH;
        mac.update(msg, 0, 2);
        mac.update((byte) (adjusted >>> 8));
        mac.update((byte) adjusted);
        mac.update(msg, 4, end - 4);
        return mac.doFinal();
    }

    /** FINGERPRINT value over {@code msg[0, end)}; the length field must already include it. */
    static int fingerprint(byte[] msg, int end) {
        CRC32 crc = new CRC32();
        crc.update(msg, 0, end);
        return (int) crc.getValue() ^ FINGERPRINT_XOR;
    }

    static int readInt(byte[] b, int i) {
        return (b[i] & 0xFF) << 24 | (b[i + 1] & 0xFF) << 16 | (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF);
    }

    static int readShort(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }

    static long readLong(byte[] b, int i) {
        return (long) readInt(b, i) << 32 | (readInt(b, i + 4) & 0xFFFFFFFFL);
    }

    @Override
    public String toString() {
        return String.format("StunMessage{type=0x%04x, username=%s, length=%d}", type, username, raw.length);
    }
}
