package io.parley.server.rtmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class FlvWriterTest {
    @Test
    void headerAndTags() {
        ByteBuf h = FlvWriter.header(ByteBufAllocator.DEFAULT, true, false);
        assertThat(ByteBufUtil.hexDump(h)).isEqualTo(
                "464c56"        // "FLV"
                + "01"          // version 1
                + "04"          // flags: audio only
                + "00000009"    // header size 9
                + "00000000");  // PreviousTagSize0
        h.release();
        ByteBuf body = Unpooled.wrappedBuffer(new byte[] {(byte) 0xaf, 0x00, 0x12, 0x10});
        ByteBuf t = FlvWriter.tag(ByteBufAllocator.DEFAULT, 8, 0x01020304, body);
        assertThat(ByteBufUtil.hexDump(t)).isEqualTo(
                "08"            // tag type 8: audio
                + "000004"      // data size 4
                + "020304"      // timestamp, low 24 bits
                + "01"          // timestamp, extended (high 8 bits)
                + "000000"      // stream id 0
                + "af001210"    // body: AAC sequence header, AudioSpecificConfig 0x1210 (AAC-LC 44.1 kHz stereo)
                + "0000000f");  // PreviousTagSize: 11 + 4
        assertThat(body.readerIndex()).as("the body is not consumed").isZero();
        t.release();
        body.release();
        ByteBuf av = FlvWriter.header(ByteBufAllocator.DEFAULT, true, true);
        assertThat(av.getByte(4)).as("audio + video flags").isEqualTo((byte) 5);
        av.release();
    }
}
