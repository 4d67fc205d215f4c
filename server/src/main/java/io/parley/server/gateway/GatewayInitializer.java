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
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomService;
import java.util.Map;

/**
 * Assembles the gateway pipeline: the outbound guard, HTTP (with its deadline and size limits), the WebSocket upgrade
 * at /ws, JSON signalling, plain HTTP routes. Connections over the node's or an address's cap are refused here.
 */
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
    private final ParleyConfig.Gateway limits;
    private final ConnectionLimiter connections;
    private final HttpLimits httpLimits;
    /** Cluster mode: where sessions that belong on another node go; null on a single node. */
    private volatile RelayRouter router;
    /** Refuses every relay header until {@link #relay} (a single node takes no relayed sessions). */
    private volatile RelayAdmission relayAdmission;

    public GatewayInitializer(RoomService rooms, int maxFrameBytes, GatewayEvents events,
                              Map<HttpRoutes.Key, HttpRoutes.AsyncRoute> routes) {
        this(rooms, maxFrameBytes, events, routes, null);
    }

    /** {@code liveHandler}: a shared handler for streaming HTTP answers (HTTP-FLV) placed before the plain routes; may be null. */
    public GatewayInitializer(RoomService rooms, int maxFrameBytes, GatewayEvents events,
                              Map<HttpRoutes.Key, HttpRoutes.AsyncRoute> routes, ChannelHandler liveHandler) {
        this(rooms, maxFrameBytes, ParleyConfig.Gateway.DEFAULTS, events, routes, liveHandler);
    }

    public GatewayInitializer(RoomService rooms, int maxFrameBytes, ParleyConfig.Gateway limits, GatewayEvents events,
                              Map<HttpRoutes.Key, HttpRoutes.AsyncRoute> routes, ChannelHandler liveHandler) {
        this.limits = limits;
        this.connections = new ConnectionLimiter(limits.maxConnections(), limits.maxConnectionsPerAddress(), events);
        this.httpLimits = new HttpLimits(events);
        events.openConnections(connections::open);
        this.liveHandler = liveHandler;
        this.rooms = rooms;
        this.maxFrameBytes = maxFrameBytes;
        this.events = events;
        this.dispatcher = new RequestDispatcher(rooms, events);
        this.routes = new HttpRoutes(routes);
        this.relayAdmission = new RelayAdmission(new RelayAuth("", java.time.Clock.systemUTC()), connections);
    }

    /**
     * Cluster mode (before the server takes traffic): sessions whose room lives on another node are relayed there,
     * and sessions other nodes relay here are admitted with the client's address when their header is signed.
     */
    public GatewayInitializer relay(RelayRouter router) {
        this.router = router;
        this.relayAdmission = new RelayAdmission(router.auth(), connections);
        return this;
    }

    /** Every open client connection (closed first at shutdown, before the event loops stop). */
    public ChannelGroup channels() {
        return channels;
    }

    /** A pipeline for the management port: HTTP only, same limits, these routes. */
    public static ChannelInitializer<SocketChannel> management(ParleyConfig.Gateway limits, GatewayEvents events,
                                                               Map<HttpRoutes.Key, HttpRoutes.AsyncRoute> routes,
                                                               ChannelGroup channels) {
        HttpRoutes handler = new HttpRoutes(routes);
        HttpLimits httpLimits = new HttpLimits(events);
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                channels.add(ch);
                ChannelPipeline p = ch.pipeline();
                p.addLast(PipelineNames.OUTBOUND_GUARD, new OutboundGuard(limits, events));
                p.addLast(PipelineNames.HTTP_CODEC, httpCodec(limits));
                p.addLast(PipelineNames.HTTP_DEADLINE, new HttpDeadline(limits.requestTimeout().toNanos(), events));
                p.addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_HTTP_REQUEST_BYTES));
                p.addLast(PipelineNames.HTTP_LIMITS, httpLimits);
                p.addLast(PipelineNames.HTTP_ROUTES, handler);
            }
        };
    }

    private static HttpServerCodec httpCodec(ParleyConfig.Gateway limits) {
        return new HttpServerCodec(limits.maxInitialLineBytes(), limits.maxHeaderBytes(), 8192);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (!connections.admit(ch)) {
            return;
        }
        channels.add(ch);
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WS_PATH)
                .checkStartsWith(true)
                .handleCloseFrames(false)
                .dropPongFrames(false)
                .handshakeTimeoutMillis(limits.requestTimeout().toMillis())
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxFrameBytes)
                        .allowExtensions(false)
                        .withUTF8Validator(true)
                        .closeOnProtocolViolation(true)
                        .build())
                .build();
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.OUTBOUND_GUARD, new OutboundGuard(limits, events));
        p.addLast(PipelineNames.HTTP_CODEC, httpCodec(limits));
        p.addLast(PipelineNames.HTTP_DEADLINE, new HttpDeadline(limits.requestTimeout().toNanos(), events));
        p.addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_HTTP_REQUEST_BYTES));
        p.addLast(PipelineNames.HTTP_LIMITS, httpLimits);
        p.addLast(PipelineNames.RELAY_ADMISSION, relayAdmission);
        p.addLast(PipelineNames.WS_PROTOCOL, new WebSocketServerProtocolHandler(ws));
        p.addLast(PipelineNames.WS_AGGREGATOR, new WebSocketFrameAggregator(maxFrameBytes));
        p.addLast(PipelineNames.WS_SIGNAL, new SignalFrameHandler(rooms, dispatcher, events, limits, router));
        if (liveHandler != null) {
            p.addLast(PipelineNames.HTTP_LIVE, liveHandler);
        }
        p.addLast(PipelineNames.HTTP_ROUTES, routes);
    }
}
