package io.parley.media.srtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;

/** Test helpers: hex with spaces allowed, and buffers of either kind with room for a trailer. */
final class Bytes {
    private Bytes() {
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
    }

    static String hex(ByteBuf buf) {
        return ByteBufUtil.hexDump(buf);
    }

    static ByteBuf buffer(boolean direct, byte[] content) {
        ByteBuf buf = direct ? Unpooled.directBuffer(content.length + 64) : Unpooled.buffer(content.length + 64);
        return buf.writeBytes(content);
    }
}
