package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One whole RTMP message (reassembled from chunks, or to be cut into chunks). Owns its payload: whoever holds the
 * message releases it once.
 */
public final class RtmpMessage extends DefaultByteBufHolder {
    // Message type ids (RTMP spec §5.4, §7.1).
    public static final int SET_CHUNK_SIZE = 1;
    public static final int ABORT = 2;
    public static final int ACK = 3;
    public static final int USER_CONTROL = 4;
    public static final int WINDOW_ACK_SIZE = 5;
    public static final int SET_PEER_BANDWIDTH = 6;
    public static final int AUDIO = 8;
    public static final int VIDEO = 9;
    public static final int DATA_AMF3 = 15;
    public static final int SHARED_OBJECT_AMF3 = 16;
    public static final int COMMAND_AMF3 = 17;
    public static final int DATA_AMF0 = 18;
    public static final int SHARED_OBJECT_AMF0 = 19;
    public static final int COMMAND_AMF0 = 20;
    public static final int AGGREGATE = 22;

    // Chunk stream ids this server writes on.
    static final int CSID_CONTROL = 2;
    static final int CSID_COMMAND = 3;
    static final int CSID_DATA = 5;
    static final int CSID_AUDIO = 6;
    static final int CSID_VIDEO = 7;

    private final int csid;
    private final int type;
    private final int timestamp;
    private final int streamId;

    public RtmpMessage(int csid, int type, int timestamp, int streamId, ByteBuf payload) {
        super(payload);
        this.csid = csid;
        this.type = type;
        this.timestamp = timestamp;
        this.streamId = streamId;
    }

    public int csid() {
        return csid;
    }

    public int type() {
        return type;
    }

    /** Milliseconds, 32 bits unsigned (wraps). */
    public int timestamp() {
        return timestamp;
    }

    public int streamId() {
        return streamId;
    }

    @Override
    public RtmpMessage replace(ByteBuf content) {
        return new RtmpMessage(csid, type, timestamp, streamId, content);
    }

    @Override
    public String toString() {
        return "RtmpMessage(csid=" + csid + ", type=" + type + ", ts=" + Integer.toUnsignedString(timestamp)
                + ", stream=" + streamId + ", " + content().readableBytes() + " bytes)";
    }
}
