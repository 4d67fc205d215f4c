package io.parley.server.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.parley.server.room.RoomService;
import java.util.Map;

/** Assembles the gateway pipeline: HTTP, the WebSocket upgrade at /ws, JSON signalling, plain HTTP routes. */
public final class GatewayInitializer extends ChannelInitializer<SocketChannel> {
    public static final String WS_PATH = "/ws";
    private static final int MAX_HTTP_REQUEST_BYTES = 16 * 1024;

    private final RoomService rooms;
    private final int maxFrameBytes;
    private final GatewayEvents events;
    private final RequestDispatcher dispatcher;
    private final HttpRoutes routes;
    private final ChannelGroup channels = new DefaultChannelGroup("parley-gateway", GlobalEventExecutor.INSTANCE);
    private final ChannelHandler liveHandler;

    public GatewayInitializer(RoomService rooms, int maxFrameBytes, GatewayEvents events,
                              Map<HttpRoutes.Key, HttpRoutes.AsyncRoute> routes) {
        this(rooms, maxFrameBytes, events, routes, null);
    }

    /** {@code liveHandler}: a shared handler for streaming HTTP answers (HTTP-FLV) placed before the plain routes; may be null. */
    public GatewayInitializer(RoomService rooms, int maxFrameBytes, GatewayEvents events,
                              Map<HttpRoutes.Key, HttpRoutes.AsyncRoute> routes, ChannelHandler liveHandler) {
        this.liveHandler = liveHandler;
        this.rooms = rooms;
        this.maxFrameBytes = maxFrameBytes;
        this.events = events;
        this.dispatcher = new RequestDispatcher(rooms, events);
        this.routes = new HttpRoutes(routes);
    }

    /** Every open client connection (closed first at shutdown, before the event loops stop). */
    public ChannelGroup channels() {
        return channels;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch);
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WS_PATH)
                .checkStartsWith(true)
                .handleCloseFrames(false)
                .dropPongFrames(false)
                .handshakeTimeoutMillis(10_000)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxFrameBytes)
                        .allowExtensions(false)
                        .withUTF8Validator(true)
                        .closeOnProtocolViolation(true)
                        .build())
                .build();
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec());
        p.addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_HTTP_REQUEST_BYTES));
        p.addLast(PipelineNames.WS_PROTOCOL, new WebSocketServerProtocolHandler(ws));
        p.addLast(PipelineNames.WS_AGGREGATOR, new WebSocketFrameAggregator(maxFrameBytes));
        p.addLast(PipelineNames.WS_SIGNAL, new SignalFrameHandler(rooms, dispatcher, events));
        if (liveHandler != null) {
            p.addLast(PipelineNames.HTTP_LIVE, liveHandler);
        }
        p.addLast(PipelineNames.HTTP_ROUTES, routes);
    }
}
