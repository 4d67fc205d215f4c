package io.parley.protocol.media;

import static io.parley.protocol.media.StunMessage.ATTR_ERROR_CODE;
import static io.parley.protocol.media.StunMessage.ATTR_FINGERPRINT;
import static io.parley.protocol.media.StunMessage.ATTR_ICE_CONTROLLED;
import static io.parley.protocol.media.StunMessage.ATTR_ICE_CONTROLLING;
import static io.parley.protocol.media.StunMessage.ATTR_MESSAGE_INTEGRITY;
import static io.parley.protocol.media.StunMessage.ATTR_PRIORITY;
import static io.parley.protocol.media.StunMessage.ATTR_SOFTWARE;
import static io.parley.protocol.media.StunMessage.ATTR_USERNAME;
import static io.parley.protocol.media.StunMessage.ATTR_USE_CANDIDATE;
import static io.parley.protocol.media.StunMessage.ATTR_XOR_MAPPED_ADDRESS;
import static io.parley.protocol.media.StunMessage.HEADER_LENGTH;
import static io.parley.protocol.media.StunMessage.MAGIC_COOKIE;
import static io.parley.protocol.media.StunMessage.MAX_USERNAME_BYTES;
import static io.parley.protocol.media.StunMessage.MESSAGE_INTEGRITY_LENGTH;
import static io.parley.protocol.media.StunMessage.readInt;
import static io.parley.protocol.media.StunMessage.readLong;
import static io.parley.protocol.media.StunMessage.readShort;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one STUN message for {@link StunMessage}: walks the attributes once, filling fields in
 * as they are found; {@link #run} returns null or what was wrong.
 */
final class StunDecoder {

    private static final int FAMILY_IPV4 = 1;
    private static final int FAMILY_IPV6 = 2;

    final byte[] raw;
    int type;
    String username;
    InetSocketAddress xorMappedAddress;
    long priority = -1;
    boolean hasControlling;
    long controlling;
    boolean hasControlled;
    long controlled;
    boolean useCandidate;
    int errorCode = -1;
    String errorReason;
    String software;
    int integrityOffset = -1;
    int fingerprintOffset = -1;

    StunDecoder(byte[] raw) {
        this.raw = raw;
    }

    String run() {
        if (raw.length < HEADER_LENGTH) {
            return "STUN message: " + raw.length + " bytes (expected: >= " + HEADER_LENGTH + ")";
        }
        if ((raw[0] & 0xC0) != 0) {
            return "STUN first byte: 0x" + Integer.toHexString(raw[0] & 0xFF) + " (expected: top two bits 0)";
        }
        if (readInt(raw, 4) != MAGIC_COOKIE) {
            return "STUN magic cookie: 0x" + Integer.toHexString(readInt(raw, 4)) + " (expected: 0x2112a442)";
        }
        type = readShort(raw, 0);
        int length = readShort(raw, 2);
        if ((length & 3) != 0 || length + HEADER_LENGTH != raw.length) {
            return "STUN length: " + length + " (expected: a multiple of 4 equal to datagram "
                    + raw.length + " - " + HEADER_LENGTH + ")";
        }
        int pos = HEADER_LENGTH;
        while (pos < raw.length) {
            if (fingerprintOffset >= 0) {
                return "STUN attribute after FINGERPRINT at offset " + pos + " (expected: FINGERPRINT last)";
            }
            if (raw.length - pos < 4) {
                return "STUN attribute header at offset " + pos + " truncated";
            }
            int attr = readShort(raw, pos);
            int len = readShort(raw, pos + 2);
            int value = pos + 4;
            int next = value + ((len + 3) & ~3);
            if (next > raw.length) {
                return "STUN attribute 0x" + Integer.toHexString(attr) + ": " + len
                        + " bytes at offset " + value + " overrun the message (" + raw.length + " bytes)";
            }
            // RFC 8489 14.5: whatever follows MESSAGE-INTEGRITY is ignored, except FINGERPRINT.
            if (integrityOffset < 0 || attr == ATTR_FINGERPRINT) {
                String error = attribute(attr, pos, value, len);
                if (error != null) {
                    return error;
                }
            }
            pos = next;
        }
        return null;
    }

    private String attribute(int attr, int header, int value, int len) {
        switch (attr) {
            case ATTR_USERNAME:
                if (len > MAX_USERNAME_BYTES) {
                    return "STUN USERNAME: " + len + " bytes (expected: <= " + MAX_USERNAME_BYTES + ")";
                }
                username = new String(raw, value, len, StandardCharsets.UTF_8);
                return null;
            case ATTR_SOFTWARE:
                software = new String(raw, value, len, StandardCharsets.UTF_8);
                return null;
            case ATTR_MESSAGE_INTEGRITY:
                integrityOffset = header;
                return expectLength("MESSAGE-INTEGRITY", len, MESSAGE_INTEGRITY_LENGTH);
            case ATTR_FINGERPRINT:
                fingerprintOffset = header;
                return expectLength("FINGERPRINT", len, 4);
            case ATTR_PRIORITY:
                if (len != 4) {
                    return expectLength("PRIORITY", len, 4);
                }
                priority = readInt(raw, value) & 0xFFFFFFFFL;
                return null;
            case ATTR_ICE_CONTROLLING:
                if (len != 8) {
                    return expectLength("ICE-CONTROLLING", len, 8);
                }
                hasControlling = true;
                controlling = readLong(raw, value);
                return null;
            case ATTR_ICE_CONTROLLED:
                if (len != 8) {
                    return expectLength("ICE-CONTROLLED", len, 8);
                }
                hasControlled = true;
                controlled = readLong(raw, value);
                return null;
            case ATTR_USE_CANDIDATE:
                useCandidate = true;
                return expectLength("USE-CANDIDATE", len, 0);
            case ATTR_ERROR_CODE:
                if (len < 4) {
                    return "STUN ERROR-CODE: " + len + " bytes (expected: >= 4)";
                }
                errorCode = (raw[value + 2] & 0x07) * 100 + (raw[value + 3] & 0xFF);
                errorReason = new String(raw, value + 4, len - 4, StandardCharsets.UTF_8);
                return null;
            case ATTR_XOR_MAPPED_ADDRESS:
                return xorMappedAddress(value, len);
            default:
                return null; // comprehension-optional or unneeded: kept in the raw bytes only
        }
    }

    private String xorMappedAddress(int value, int len) {
        int family = len >= 2 ? raw[value + 1] & 0xFF : -1;
        int addressLength = family == FAMILY_IPV4 ? 4 : family == FAMILY_IPV6 ? 16 : -1;
        if (addressLength < 0) {
            return "STUN XOR-MAPPED-ADDRESS family: " + family + " (expected: 1 or 2)";
        }
        String error = expectLength("XOR-MAPPED-ADDRESS", len, 4 + addressLength);
        if (error != null) {
            return error;
        }
        int port = readShort(raw, value + 2) ^ (MAGIC_COOKIE >>> 16);
        byte[] address = new byte[addressLength];
        for (int i = 0; i < addressLength; i++) {
            // The key is the cookie followed by the transaction ID: header bytes 4..19.
            address[i] = (byte) (raw[value + 4 + i] ^ raw[4 + i]);
        }
        try {
            xorMappedAddress = new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            return "STUN XOR-MAPPED-ADDRESS: " + e.getMessage(); // unreachable: length checked above
        }
        return null;
    }

    private static String expectLength(String name, int len, int expected) {
        return len == expected ? null : "STUN " + name + ": " + len + " bytes (expected: " + expected + ")";
    }
}
