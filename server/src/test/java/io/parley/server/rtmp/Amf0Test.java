package io.parley.server.rtmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AMF0 wire format: parse → check → serialize → compare. */
class Amf0Test {
    private static byte[] hex(String h) {
        return ByteBufUtil.decodeHexDump(h.replaceAll("[^0-9a-fA-F]", ""));
    }

    private static void roundTrip(String wire, Object... expected) {
        byte[] bytes = hex(wire);
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        List<Object> values = Amf0.decodeAll(in);
        assertThat(values).containsExactly(expected);
        ByteBuf out = Unpooled.buffer();
        Amf0.encode(out, values.toArray());
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(bytes);
        out.release();
    }

    @Test
    void connectCommand() {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("app", "live");
        obj.put("flag", true);
        obj.put("n", null);
        roundTrip("02 0007 636f6e6e656374"            // string "connect"
                + "00 3ff0000000000000"               // number 1.0 (transaction id)
                + "03"                                // object
                + "0003 617070 02 0004 6c697665"      //   app: "live"
                + "0004 666c6167 01 01"               //   flag: true
                + "0001 6e 05"                        //   n: null
                + "0000 09",                          // object end
                "connect", 1.0, obj);
    }

    @Test
    void undefinedEcmaStrictArrayDateLongString() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("duration", 0.0);
        roundTrip("06"                                // undefined
                + "08 00000001"                       // ECMA array, count 1
                + "0008 6475726174696f6e 00 0000000000000000" // duration: 0.0
                + "0000 09"                           // end
                + "0a 00000002"                       // strict array of 2
                + "00 4000000000000000"               //   2.0
                + "02 0001 78"                        //   "x"
                + "0b 40c3880000000000 0000",         // date 10000.0 ms, time zone 0
                Amf0.UNDEFINED, new Amf0.EcmaArray(meta), List.of(2.0, "x"), new Amf0.AmfDate(10000.0, (short) 0));
        char[] big = new char[70000];
        Arrays.fill(big, 'a');
        ByteBuf out = Unpooled.buffer();
        Amf0.encode(out, new String(big));
        assertThat(out.getByte(0)).as("long string marker").isEqualTo((byte) 0x0c);
        assertThat(out.getInt(1)).isEqualTo(70000);
        assertThat(Amf0.decode(out)).isEqualTo(new String(big));
        out.release();
    }

    @Test
    void malformedInputIsATypedError() {
        String[] bad = {
            "02 0010 6162",                 // string of 16 bytes with 2 present
            "0c 7fffffff 61",               // long string of 2 GiB with 1 byte present: no allocation of that size
            "0a ffffffff 00",               // strict array of 4 billion values
            "00 0102",                      // number cut short
            "0d",                           // unsupported marker (AMF0 "unsupported")
            "11",                           // AMF3 switch: refused
            "03 0001 61",                   // object property without value
            "03".repeat(40),                // nesting too deep (properties never start)
        };
        for (String b : bad) {
            ByteBuf in = Unpooled.wrappedBuffer(hex(b));
            assertThrows(AmfException.class, () -> Amf0.decodeAll(in), b);
        }
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            deep.append("03 0001 61");          // {a: {a: {...
        }
        assertThrows(AmfException.class, () -> Amf0.decodeAll(Unpooled.wrappedBuffer(hex(deep.toString()))));
    }
}
