package io.parley.protocol;

import java.nio.charset.StandardCharsets;

/** The identifier rules of ZEGO Express (reference §1.2): lengths in UTF-8 bytes, allowed characters. */
public final class Identifiers {
    private Identifiers() {}

    public static final int MAX_ROOM_ID_BYTES = 128;
    public static final int MAX_USER_ID_BYTES = 64;
    public static final int MAX_USER_NAME_BYTES = 256;
    public static final int MAX_STREAM_ID_BYTES = 256;
    public static final int MAX_EXTRA_INFO_BYTES = 1024;

    /** Punctuation allowed in roomID and userID besides ASCII letters and digits (':' and '/' are not). */
    public static final String ID_PUNCTUATION = "~!@#$%^&*()_+=-`;',.<>\\";

    public static String roomId(String value) {
        return checkId("roomID", value, MAX_ROOM_ID_BYTES,
                ErrorCode.ROOM_ID_EMPTY, ErrorCode.ROOM_ID_ILLEGAL, ErrorCode.ROOM_ID_TOO_LONG);
    }

    public static String userId(String value) {
        return checkId("userID", value, MAX_USER_ID_BYTES,
                ErrorCode.USER_ID_EMPTY, ErrorCode.USER_ID_ILLEGAL, ErrorCode.USER_ID_TOO_LONG);
    }

    /** userName is optional (an absent name becomes the userID, as the Web SDK does); any characters. */
    public static String userName(String value, String userId) {
        if (value == null || value.isEmpty()) {
            return userId;
        }
        int bytes = utf8Length(value);
        if (bytes > MAX_USER_NAME_BYTES) {
            throw new ProtocolException(ErrorCode.USER_NAME_TOO_LONG,
                    "userName: " + bytes + " bytes (expected: <= " + MAX_USER_NAME_BYTES + ")");
        }
        return value;
    }

    /** streamID: 1..256 bytes of ASCII letters, digits, '-' and '_'. */
    public static String streamId(String value) {
        if (value == null || value.isEmpty()) {
            throw new ProtocolException(ErrorCode.STREAM_ID_EMPTY, "streamID: empty (expected: 1.." + MAX_STREAM_ID_BYTES + " bytes)");
        }
        int bytes = utf8Length(value);
        if (bytes > MAX_STREAM_ID_BYTES) {
            throw new ProtocolException(ErrorCode.STREAM_ID_TOO_LONG,
                    "streamID: " + bytes + " bytes (expected: <= " + MAX_STREAM_ID_BYTES + ")");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(isAsciiAlnum(c) || c == '-' || c == '_')) {
                throw new ProtocolException(ErrorCode.STREAM_ID_ILLEGAL,
                        "streamID: illegal character '" + c + "' at " + i + " (expected: letters, digits, '-', '_')");
            }
        }
        return value;
    }

    public static String extraInfo(String value) {
        if (value == null) {
            return "";
        }
        int bytes = utf8Length(value);
        if (bytes > MAX_EXTRA_INFO_BYTES) {
            throw new ProtocolException(ErrorCode.EXTRA_INFO_TOO_LONG,
                    "extraInfo: " + bytes + " bytes (expected: <= " + MAX_EXTRA_INFO_BYTES + ")");
        }
        return value;
    }

    private static String checkId(String field, String value, int maxBytes, int emptyCode, int illegalCode, int longCode) {
        if (value == null || value.isEmpty()) {
            throw new ProtocolException(emptyCode, field + ": empty (expected: 1.." + maxBytes + " bytes)");
        }
        int bytes = utf8Length(value);
        if (bytes > maxBytes) {
            throw new ProtocolException(longCode, field + ": " + bytes + " bytes (expected: <= " + maxBytes + ")");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isAsciiAlnum(c) && ID_PUNCTUATION.indexOf(c) < 0) {
                throw new ProtocolException(illegalCode, field + ": illegal character '" + c + "' at " + i
                        + " (expected: letters, digits and " + ID_PUNCTUATION + ")");
            }
        }
        return value;
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
