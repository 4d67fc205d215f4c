package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AMF0 values as Java values: number ↔ {@link Double}, boolean ↔ {@link Boolean}, string and long string ↔
 * {@link String}, object ↔ {@link Map} (insertion-ordered), ECMA array ↔ {@link EcmaArray}, strict array ↔
 * {@link List}, null ↔ {@code null}, undefined ↔ {@link #UNDEFINED}, date ↔ {@link AmfDate}.
 * Decoding never allocates more than the input holds and throws only {@link AmfException}.
 */
public final class Amf0 {
    static final int NUMBER = 0x00;
    static final int BOOLEAN = 0x01;
    static final int STRING = 0x02;
    static final int OBJECT = 0x03;
    static final int NULL = 0x05;
    static final int UNDEFINED_MARKER = 0x06;
    static final int ECMA_ARRAY = 0x08;
    static final int OBJECT_END = 0x09;
    static final int STRICT_ARRAY = 0x0A;
    static final int DATE = 0x0B;
    static final int LONG_STRING = 0x0C;
    /** Deeper nesting is refused rather than recursed into (a stack overflow would be an untyped error). */
    static final int MAX_DEPTH = 32;

    /** AMF0 undefined (distinct from null). */
    public static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "undefined";
        }
    };

    /** An AMF0 ECMA array: an associative array with a count hint (ffmpeg's onMetaData). */
    public record EcmaArray(Map<String, Object> entries) {}

    /** An AMF0 date: milliseconds since the epoch and a time-zone field (reserved, normally 0). */
    public record AmfDate(double millis, short timeZone) {}

    private Amf0() {}

    /** Reads every value up to the end of {@code in}. */
    public static List<Object> decodeAll(ByteBuf in) {
        List<Object> out = new ArrayList<>();
        while (in.isReadable()) {
            out.add(decode(in));
        }
        return out;
    }

    /** Reads one value. */
    public static Object decode(ByteBuf in) {
        return decode(in, 0);
    }

    private static Object decode(ByteBuf in, int depth) {
        need(in, 1, "marker");
        int marker = in.readUnsignedByte();
        switch (marker) {
            case NUMBER:
                need(in, 8, "number");
                return in.readDouble();
            case BOOLEAN:
                need(in, 1, "boolean");
                return in.readByte() != 0;
            case STRING:
                return readUtf8(in, 2);
            case LONG_STRING:
                return readUtf8(in, 4);
            case OBJECT:
                return readProperties(in, depth + 1);
            case NULL:
                return null;
            case UNDEFINED_MARKER:
                return UNDEFINED;
            case ECMA_ARRAY:
                need(in, 4, "ECMA array count");
                in.skipBytes(4); // a hint only; the entries end with the object-end marker
                return new EcmaArray(readProperties(in, depth + 1));
            case STRICT_ARRAY: {
                need(in, 4, "strict array count");
                long count = in.readUnsignedInt();
                if (count > in.readableBytes()) { // every value takes at least one byte
                    throw new AmfException("strict array: " + count + " values in " + in.readableBytes() + " bytes");
                }
                checkDepth(depth + 1);
                List<Object> list = new ArrayList<>((int) Math.min(count, 64));
                for (long i = 0; i < count; i++) {
                    list.add(decode(in, depth + 1));
                }
                return list;
            }
            case DATE:
                need(in, 10, "date");
                return new AmfDate(in.readDouble(), in.readShort());
            default:
                throw new AmfException("unsupported AMF0 marker 0x" + Integer.toHexString(marker)
                        + " (expected: number, boolean, string, object, null, undefined, ECMA/strict array, date, long string)");
        }
    }

    private static Map<String, Object> readProperties(ByteBuf in, int depth) {
        checkDepth(depth);
        Map<String, Object> map = new LinkedHashMap<>();
        while (true) {
            String key = readUtf8(in, 2);
            need(in, 1, "property value");
            if (key.isEmpty() && in.getUnsignedByte(in.readerIndex()) == OBJECT_END) {
                in.skipBytes(1);
                return map;
            }
            map.put(key, decode(in, depth));
        }
    }

    private static void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw new AmfException("AMF0 nesting: more than " + MAX_DEPTH + " levels");
        }
    }

    private static String readUtf8(ByteBuf in, int lengthBytes) {
        need(in, lengthBytes, "string length");
        long len = lengthBytes == 2 ? in.readUnsignedShort() : in.readUnsignedInt();
        if (len > in.readableBytes()) {
            throw new AmfException("string: " + len + " bytes announced, " + in.readableBytes() + " left");
        }
        String s = in.toString(in.readerIndex(), (int) len, StandardCharsets.UTF_8);
        in.skipBytes((int) len);
        return s;
    }

    private static void need(ByteBuf in, int n, String what) {
        if (in.readableBytes() < n) {
            throw new AmfException(what + ": " + n + " bytes needed, " + in.readableBytes() + " left");
        }
    }

    /** Writes the values in order. */
    public static void encode(ByteBuf out, Object... values) {
        for (Object v : values) {
            encodeValue(out, v);
        }
    }

    @SuppressWarnings("unchecked")
    public static void encodeValue(ByteBuf out, Object v) {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v == UNDEFINED) {
            out.writeByte(UNDEFINED_MARKER);
        } else if (v instanceof Number n) {
            out.writeByte(NUMBER).writeDouble(n.doubleValue());
        } else if (v instanceof Boolean b) {
            out.writeByte(BOOLEAN).writeByte(b ? 1 : 0);
        } else if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length <= 0xFFFF) {
                out.writeByte(STRING).writeShort(b.length);
            } else {
                out.writeByte(LONG_STRING).writeInt(b.length);
            }
            out.writeBytes(b);
        } else if (v instanceof EcmaArray a) {
            out.writeByte(ECMA_ARRAY).writeInt(a.entries().size());
            writeProperties(out, a.entries());
        } else if (v instanceof Map<?, ?> m) {
            out.writeByte(OBJECT);
            writeProperties(out, (Map<String, Object>) m);
        } else if (v instanceof List<?> list) {
            out.writeByte(STRICT_ARRAY).writeInt(list.size());
            for (Object e : list) {
                encodeValue(out, e);
            }
        } else if (v instanceof AmfDate d) {
            out.writeByte(DATE).writeDouble(d.millis()).writeShort(d.timeZone());
        } else {
            throw new IllegalArgumentException("no AMF0 form for " + v.getClass().getName());
        }
    }

    private static void writeProperties(ByteBuf out, Map<String, Object> m) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            out.writeShort(k.length).writeBytes(k);
            encodeValue(out, e.getValue());
        }
        out.writeShort(0).writeByte(OBJECT_END);
    }
}
