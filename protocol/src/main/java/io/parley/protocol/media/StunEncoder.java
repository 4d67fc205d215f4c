package io.parley.protocol.media;

import static io.parley.protocol.media.StunMessage.ATTR_ERROR_CODE;
import static io.parley.protocol.media.StunMessage.ATTR_FINGERPRINT;
import static io.parley.protocol.media.StunMessage.ATTR_ICE_CONTROLLED;
import static io.parley.protocol.media.StunMessage.ATTR_ICE_CONTROLLING;
import static io.parley.protocol.media.StunMessage.ATTR_MESSAGE_INTEGRITY;
import static io.parley.protocol.media.StunMessage.ATTR_PRIORITY;
import static io.parley.protocol.media.StunMessage.ATTR_USERNAME;
import static io.parley.protocol.media.StunMessage.ATTR_USE_CANDIDATE;
import static io.parley.protocol.media.StunMessage.ATTR_XOR_MAPPED_ADDRESS;
import static io.parley.protocol.media.StunMessage.BINDING_ERROR;
import static io.parley.protocol.media.StunMessage.BINDING_REQUEST;
import static io.parley.protocol.media.StunMessage.BINDING_SUCCESS;
import static io.parley.protocol.media.StunMessage.HEADER_LENGTH;
import static io.parley.protocol.media.StunMessage.MAGIC_COOKIE;
import static io.parley.protocol.media.StunMessage.MAX_USERNAME_BYTES;
import static io.parley.protocol.media.StunMessage.MESSAGE_INTEGRITY_LENGTH;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Encodes the STUN messages ICE needs: Binding requests (client side), Binding success and error
 * responses (the ICE-lite server side). Every message ends with FINGERPRINT, which ICE requires
 * (RFC 8445 7.2.2) so STUN can be told apart from media on the shared port.
 *
 * <p>The result is a byte array; wrap it with {@code Unpooled.wrappedBuffer} to send it. Arguments
 * come from our own code, not the network, so a bad one throws {@link IllegalArgumentException}.
 */
public final class StunEncoder {

    public static final int BAD_REQUEST = 400;
    public static final int UNAUTHORIZED = 401;
    public static final int ROLE_CONFLICT = 487;

    /** Large enough for the longest USERNAME plus every other attribute we write. */
    private static final int MAX_MESSAGE = 1024;
    private static final int MAX_REASON_CHARS = 127; // RFC 8489 14.8
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] buf = new byte[MAX_MESSAGE];
    private int pos;

    private StunEncoder(int type, byte[] transactionId) {
        if (transactionId.length != 12) {
            throw new IllegalArgumentException("transactionId: " + transactionId.length + " bytes (expected: 12)");
        }
        putShort(type);
        putShort(0); // length, patched as attributes are added
        putInt(MAGIC_COOKIE);
        System.arraycopy(transactionId, 0, buf, pos, 12);
        pos += 12;
    }

    /** A fresh random 96-bit transaction ID (RFC 8489 asks for a cryptographically random one). */
    public static byte[] newTransactionId() {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        return id;
    }

    /**
     * A connectivity check from the controlling or controlled agent.
     *
     * @param username   {@code "remoteUfrag:localUfrag"}
     * @param priority   the peer-reflexive priority the agent would assign (unsigned 32-bit)
     * @param tieBreaker the random 64-bit ICE role tie-breaker
     * @param key        the remote password's short-term key, see {@link StunMessage#shortTermKey}
     */
    public static byte[] bindingRequest(byte[] transactionId, String username, long priority,
            boolean controlling, long tieBreaker, boolean useCandidate, byte[] key) {
        if (priority < 0 || priority > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("priority: " + priority + " (expected: 0..2^32-1)");
        }
        StunEncoder e = new StunEncoder(BINDING_REQUEST, transactionId);
        byte[] user = username.getBytes(StandardCharsets.UTF_8);
        if (user.length > MAX_USERNAME_BYTES) {
            throw new IllegalArgumentException("username: " + user.length + " bytes (expected: <= 513)");
        }
        e.attribute(ATTR_USERNAME, user);
        e.attributeHeader(ATTR_PRIORITY, 4);
        e.putInt((int) priority);
        e.attributeHeader(controlling ? ATTR_ICE_CONTROLLING : ATTR_ICE_CONTROLLED, 8);
        e.putInt((int) (tieBreaker >>> 32));
        e.putInt((int) tieBreaker);
        if (useCandidate) {
            e.attributeHeader(ATTR_USE_CANDIDATE, 0);
        }
        return e.finish(key);
    }

    /** The answer to a valid check: where the request came from, signed with the local password. */
    public static byte[] bindingSuccess(byte[] transactionId, InetSocketAddress mapped, byte[] key) {
        StunEncoder e = new StunEncoder(BINDING_SUCCESS, transactionId);
        byte[] address = mapped.getAddress().getAddress();
        e.attributeHeader(ATTR_XOR_MAPPED_ADDRESS, 4 + address.length);
        e.putShort(address.length == 4 ? 1 : 2);
        e.putShort(mapped.getPort() ^ (MAGIC_COOKIE >>> 16));
        for (int i = 0; i < address.length; i++) {
            // The key is the cookie followed by the transaction ID: header bytes 4..19.
            e.buf[e.pos++] = (byte) (address[i] ^ e.buf[4 + i]);
        }
        return e.finish(key);
    }

    /**
     * An error response. Pass {@code key == null} for 400 and 401: when the credentials are wrong
     * the response must not carry MESSAGE-INTEGRITY (RFC 8489 10.1.2). 487 carries it.
     *
     * @param reason the reason phrase, or null for the standard one
     */
    public static byte[] bindingError(byte[] transactionId, int code, String reason, byte[] key) {
        if (code < 300 || code > 699) {
            throw new IllegalArgumentException("code: " + code + " (expected: 300..699)");
        }
        String phrase = reason != null ? reason : defaultReason(code);
        if (phrase.length() > MAX_REASON_CHARS) {
            throw new IllegalArgumentException("reason: " + phrase.length() + " chars (expected: <= 127)");
        }
        StunEncoder e = new StunEncoder(BINDING_ERROR, transactionId);
        byte[] text = phrase.getBytes(StandardCharsets.UTF_8);
        e.attributeHeader(ATTR_ERROR_CODE, 4 + text.length);
        e.putShort(0);
        e.buf[e.pos++] = (byte) (code / 100);
        e.buf[e.pos++] = (byte) (code % 100);
        e.putBytesPadded(text);
        return e.finish(key);
    }

    static String defaultReason(int code) {
        switch (code) {
            case BAD_REQUEST:
                return "Bad Request";
            case UNAUTHORIZED:
                return "Unauthorized";
            case ROLE_CONFLICT:
                return "Role Conflict";
            default:
                return "Error";
        }
    }

    private void attribute(int type, byte[] value) {
        attributeHeader(type, value.length);
        putBytesPadded(value);
    }

    /** Writes an attribute header and grows the message length by the padded value length. */
    private void attributeHeader(int type, int valueLength) {
        putShort(type);
        putShort(valueLength);
        setLength(pos - HEADER_LENGTH + ((valueLength + 3) & ~3));
    }

    /** MESSAGE-INTEGRITY (when a key is given), then FINGERPRINT; each covers what precedes it. */
    private byte[] finish(byte[] key) {
        if (key != null) {
            int start = pos;
            attributeHeader(ATTR_MESSAGE_INTEGRITY, MESSAGE_INTEGRITY_LENGTH);
            byte[] mac = StunMessage.hmacSha1(key, buf, start);
            System.arraycopy(mac, 0, buf, pos, MESSAGE_INTEGRITY_LENGTH);
            pos += MESSAGE_INTEGRITY_LENGTH;
        }
        int start = pos;
        attributeHeader(ATTR_FINGERPRINT, 4);
        putInt(StunMessage.fingerprint(buf, start));
        return Arrays.copyOf(buf, pos);
    }

    private void setLength(int length) {
        buf[2] = (byte) (length >>> 8);
        buf[3] = (byte) length;
    }

    private void putBytesPadded(byte[] b) {
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += (b.length + 3) & ~3; // padding bytes stay zero
    }

    private void putShort(int v) {
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putInt(int v) {
        putShort(v >>> 16);
        putShort(v);
    }
}
