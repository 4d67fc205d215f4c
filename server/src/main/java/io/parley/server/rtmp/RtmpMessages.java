package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builders for the messages the server sends: protocol control, user control, commands and status. */
final class RtmpMessages {
    // User Control event types (RTMP spec §7.1.7).
    static final int UC_STREAM_BEGIN = 0;
    static final int UC_STREAM_EOF = 1;
    static final int UC_STREAM_IS_RECORDED = 4;
    static final int UC_PING_REQUEST = 6;
    static final int UC_PING_RESPONSE = 7;

    private RtmpMessages() {}

    static RtmpMessage setChunkSize(int size) {
        return control(RtmpMessage.SET_CHUNK_SIZE, Unpooled.buffer(4).writeInt(size));
    }

    static RtmpMessage ack(int sequence) {
        return control(RtmpMessage.ACK, Unpooled.buffer(4).writeInt(sequence));
    }

    static RtmpMessage windowAckSize(int size) {
        return control(RtmpMessage.WINDOW_ACK_SIZE, Unpooled.buffer(4).writeInt(size));
    }

    /** Limit type 2 = dynamic. */
    static RtmpMessage setPeerBandwidth(int size) {
        return control(RtmpMessage.SET_PEER_BANDWIDTH, Unpooled.buffer(5).writeInt(size).writeByte(2));
    }

    static RtmpMessage userControl(int event, int value) {
        return control(RtmpMessage.USER_CONTROL, Unpooled.buffer(6).writeShort(event).writeInt(value));
    }

    private static RtmpMessage control(int type, ByteBuf payload) {
        return new RtmpMessage(RtmpMessage.CSID_CONTROL, type, 0, 0, payload);
    }

    static RtmpMessage command(int streamId, Object... values) {
        ByteBuf b = Unpooled.buffer(128);
        Amf0.encode(b, values);
        return new RtmpMessage(RtmpMessage.CSID_COMMAND, RtmpMessage.COMMAND_AMF0, 0, streamId, b);
    }

    static RtmpMessage data(int streamId, int timestamp, Object... values) {
        ByteBuf b = Unpooled.buffer(64);
        Amf0.encode(b, values);
        return new RtmpMessage(RtmpMessage.CSID_DATA, RtmpMessage.DATA_AMF0, timestamp, streamId, b);
    }

    static RtmpMessage onStatus(int streamId, String level, String code, String description) {
        return command(streamId, "onStatus", 0.0, null, status(level, code, description));
    }

    static Map<String, Object> status(String level, String code, String description) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("level", level);
        m.put("code", code);
        m.put("description", description);
        return m;
    }
}
