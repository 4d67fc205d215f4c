package io.parley.loadtest.rtmp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The AMF0 a publisher needs: numbers, booleans, strings, objects, ECMA arrays, null and undefined. */
final class Amf0 {
    static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "undefined";
        }
    };

    private Amf0() {}

    static void encode(ByteBuf b, Object... values) {
        for (Object v : values) {
            write(b, v);
        }
    }

    private static void write(ByteBuf b, Object v) {
        if (v == null) {
            b.writeByte(5);
        } else if (v == UNDEFINED) {
            b.writeByte(6);
        } else if (v instanceof Number n) {
            b.writeByte(0).writeDouble(n.doubleValue());
        } else if (v instanceof Boolean x) {
            b.writeByte(1).writeByte(x ? 1 : 0);
        } else if (v instanceof String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            b.writeByte(2).writeShort(u.length).writeBytes(u);
        } else if (v instanceof Map<?, ?> m) {
            b.writeByte(3);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                byte[] k = e.getKey().toString().getBytes(StandardCharsets.UTF_8);
                b.writeShort(k.length).writeBytes(k);
                write(b, e.getValue());
            }
            b.writeShort(0).writeByte(9);
        } else {
            throw new IllegalArgumentException("AMF0: cannot encode " + v.getClass().getName());
        }
    }

    static List<Object> decodeAll(ByteBuf b) {
        List<Object> out = new ArrayList<>();
        while (b.isReadable()) {
            out.add(read(b));
        }
        return out;
    }

    private static Object read(ByteBuf b) {
        int type = b.readUnsignedByte();
        switch (type) {
            case 0:
                return b.readDouble();
            case 1:
                return b.readByte() != 0;
            case 2:
                return string(b, b.readUnsignedShort());
            case 3:
                return properties(b);
            case 5:
                return null;
            case 6:
                return UNDEFINED;
            case 8:
                b.skipBytes(4);
                return properties(b);
            case 10: {
                long n = b.readUnsignedInt();
                List<Object> l = new ArrayList<>();
                for (long i = 0; i < n; i++) {
                    l.add(read(b));
                }
                return l;
            }
            case 12:
                return string(b, (int) b.readUnsignedInt());
            default:
                throw new IllegalArgumentException("AMF0: type " + type + " not supported");
        }
    }

    private static Map<String, Object> properties(ByteBuf b) {
        Map<String, Object> m = new LinkedHashMap<>();
        while (true) {
            int len = b.readUnsignedShort();
            if (len == 0 && b.getUnsignedByte(b.readerIndex()) == 9) {
                b.skipBytes(1);
                return m;
            }
            String k = string(b, len);
            m.put(k, read(b));
        }
    }

    private static String string(ByteBuf b, int len) {
        String s = b.toString(b.readerIndex(), len, StandardCharsets.UTF_8);
        b.skipBytes(len);
        return s;
    }
}
