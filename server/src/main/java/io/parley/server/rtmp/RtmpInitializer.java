package io.parley.server.rtmp;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** Assembles an RTMP connection's pipeline; the handshake handler removes itself when done. */
final class RtmpInitializer extends ChannelInitializer<SocketChannel> {
    private final RtmpConfig config;
    private final LiveStreams hub;
    private final RtmpGate gate;
    private final RtmpMetrics metrics;
    private final ByteCounter bytes;
    private final ChannelGroup channels;

    RtmpInitializer(RtmpConfig config, LiveStreams hub, RtmpGate gate, RtmpMetrics metrics, ChannelGroup channels) {
        this.config = config;
        this.hub = hub;
        this.gate = gate;
        this.metrics = metrics;
        this.bytes = new ByteCounter(metrics);
        this.channels = channels;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast(RtmpPipelineNames.BYTE_COUNTER, bytes);
        p.addLast(RtmpPipelineNames.IDLE, new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(RtmpPipelineNames.HANDSHAKE, new HandshakeHandler(config.handshakeTimeout(), metrics));
        p.addLast(RtmpPipelineNames.CHUNK_ENCODER, new ChunkEncoder());
        p.addLast(RtmpPipelineNames.CHUNK_DECODER, new ChunkDecoder(config.maxMessageBytes(), config.maxChunkSize(),
                config.maxAssemblingStreams(), config.ackWindow()));
        p.addLast(RtmpPipelineNames.SESSION, new RtmpSession(config, hub, gate, metrics));
    }
}
