package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.parley.protocol.signal.SignalCodec;
import io.parley.testsupport.LocalServer;
import java.net.URI;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * A WebSocket endpoint speaking just enough of PROTOCOL.md for the engine's media calls: each request type is
 * answered by a test-supplied function returning {@code [code, message, data]}; tests push with {@link #push}.
 */
final class FakeSignalServer implements AutoCloseable {
    /** What to answer: the response's code, message and data. */
    record Reply(int code, String message, Object data) {
        static Reply ok(Object data) {
            return new Reply(0, "OK", data);
        }
    }

    final Queue<JsonNode> requests = new ConcurrentLinkedQueue<>();
    final Map<String, Function<JsonNode, Reply>> handlers = new ConcurrentHashMap<>();
    private final LocalServer server;
    private volatile Channel client;

    FakeSignalServer() {
        server = LocalServer.start(WsClient.group(), new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                        new WebSocketServerProtocolHandler("/ws"), new Requests());
            }
        });
    }

    URI uri() {
        return server.wsUri("/ws");
    }

    void push(String name, Object data) {
        client.writeAndFlush(new TextWebSocketFrame(SignalCodec.push(name, data).toString()));
    }

    private final class Requests extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) throws Exception {
            client = ctx.channel();
            JsonNode req = SignalCodec.MAPPER.readTree(frame.text());
            requests.add(req);
            String type = req.path("type").asText();
            Function<JsonNode, Reply> h = handlers.getOrDefault(type, d -> Reply.ok(Map.of()));
            Reply r = h.apply(req.path("data"));
            ObjectNode response = SignalCodec.response(req.get("id"), type, r.code(), r.message(), r.data());
            ctx.writeAndFlush(new TextWebSocketFrame(response.toString()));
        }
    }

    @Override
    public void close() {
        Channel c = client;
        if (c != null) {
            c.close().syncUninterruptibly();
        }
        server.close();
    }
}
