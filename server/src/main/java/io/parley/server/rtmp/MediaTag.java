package io.parley.server.rtmp;

import io.netty.buffer.ByteBuf;

/**
 * One FLV tag's worth of media as the hub passes it around: the tag type, the publisher's timestamp and the FLV tag
 * body (which is also the RTMP message payload). The body is borrowed for the duration of a delivery.
 */
record MediaTag(int type, int timestamp, ByteBuf body, boolean config, boolean keyframe) {
    static final int AUDIO = 8;
    static final int VIDEO = 9;
    static final int SCRIPT = 18;
    private static final int SOUND_AAC = 10;
    private static final int CODEC_AVC = 7;

    static MediaTag audio(ByteBuf body, int ts) {
        boolean header = isAacSequenceHeader(body);
        return new MediaTag(AUDIO, ts, body, header, false);
    }

    static MediaTag video(ByteBuf body, int ts) {
        int i = body.readerIndex();
        boolean header = body.readableBytes() >= 2 && (body.getByte(i) & 0x0F) == CODEC_AVC && body.getByte(i + 1) == 0;
        boolean key = body.isReadable() && ((body.getByte(i) & 0x70) >> 4) == 1;
        return new MediaTag(VIDEO, ts, body, header, key);
    }

    /** An onMetaData script tag body: the string "onMetaData" and its ECMA array. */
    static MediaTag metadata(ByteBuf body) {
        return new MediaTag(SCRIPT, 0, body, true, false);
    }

    static boolean isAacSequenceHeader(ByteBuf body) {
        int i = body.readerIndex();
        return body.readableBytes() >= 2 && (body.getByte(i) & 0xF0) >> 4 == SOUND_AAC && body.getByte(i + 1) == 0;
    }
}
