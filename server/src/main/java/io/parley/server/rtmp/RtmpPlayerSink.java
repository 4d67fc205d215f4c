package io.parley.server.rtmp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.function.LongSupplier;

/** An RTMP player: tags become audio, video and data messages on the play stream. */
final class RtmpPlayerSink extends ChannelSink {
    private final int streamId;
    private final String name;

    RtmpPlayerSink(Channel channel, int streamId, String name, RtmpMetrics metrics, long slowNanos, LongSupplier clock) {
        super(channel, Form.RTMP, metrics, slowNanos, clock);
        this.streamId = streamId;
        this.name = name;
    }

    @Override
    void start(boolean hasVideo) {
        // Stream Begin and Play.Start were sent when the play was admitted.
    }

    @Override
    void write(MediaTag tag, int timestamp) {
        int csid = switch (tag.type()) {
            case MediaTag.AUDIO -> RtmpMessage.CSID_AUDIO;
            case MediaTag.VIDEO -> RtmpMessage.CSID_VIDEO;
            default -> RtmpMessage.CSID_DATA;
        };
        wrote(tag.body().readableBytes());
        channel.writeAndFlush(new RtmpMessage(csid, tag.type(), timestamp, streamId, tag.body().retainedDuplicate()),
                channel.voidPromise());
    }

    @Override
    void finish(EndReason reason, boolean started) {
        if (reason == EndReason.SLOW) {
            return; // already closing
        }
        channel.write(RtmpMessages.onStatus(streamId, "status", "NetStream.Play.UnpublishNotify", name + " is now unpublished"),
                channel.voidPromise());
        channel.write(RtmpMessages.userControl(RtmpMessages.UC_STREAM_EOF, streamId), channel.voidPromise());
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
