package io.parley.server.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request that says it carries a session relayed by another node ({@link RelayAuth#HEADER}): trusted only with a
 * valid signature (else 403, and the socket closes), then counted for the client's address instead of the relaying
 * node's ({@code gateway.maxConnectionsPerAddress}: 429 when that address is at its cap), and its session sees the
 * client's address (limits, forbid rules, logs). Requests without the header pass untouched.
 */
@ChannelHandler.Sharable
final class RelayAdmission extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RelayAdmission.class);

    private final RelayAuth auth;
    private final ConnectionLimiter connections;

    RelayAdmission(RelayAuth auth, ConnectionLimiter connections) {
        this.auth = auth;
        this.connections = connections;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest req && !req.headers().contains(RelayAuth.HEADER)
                && !connections.checkDeferred(ctx.channel())) {
            // From a cluster peer's address, but not a relayed session: the address's cap applies as to anyone.
            InetAddress from = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
            ReferenceCountUtil.release(msg);
            refuse(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "too many connections from "
                    + (from == null ? "?" : from.getHostAddress()) + " (" + connections.maxPerAddress()
                    + ", gateway.maxConnectionsPerAddress): close some first");
            return;
        }
        if (msg instanceof HttpRequest req && req.headers().contains(RelayAuth.HEADER)) {
            String header = req.headers().get(RelayAuth.HEADER);
            InetAddress from = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
            InetAddress client;
            try {
                client = auth.verify(header);
            } catch (RelayAuth.Refused e) {
                log.warn("relayed session refused from {}: {}", from == null ? "?" : from.getHostAddress(), e.getMessage());
                ReferenceCountUtil.release(msg);
                refuse(ctx, HttpResponseStatus.FORBIDDEN, "relayed session refused: " + e.getMessage());
                return;
            }
            if (from != null) {
                connections.peer(from);
            }
            if (ctx.channel().attr(RelayAuth.CLIENT_ADDRESS).get() == null) {
                if (!connections.reattribute(ctx.channel(), client)) {
                    ReferenceCountUtil.release(msg);
                    refuse(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "too many connections from " + client.getHostAddress()
                            + " (" + connections.maxPerAddress() + ", gateway.maxConnectionsPerAddress): close some first");
                    return;
                }
                ctx.channel().attr(RelayAuth.CLIENT_ADDRESS).set(client);
            }
        }
        super.channelRead(ctx, msg);
    }

    private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String reason) {
        FullHttpResponse res = HttpLimits.text(status, reason + "\n");
        res.headers().set(SignalRelay.REFUSAL_HEADER, reason);
        res.headers().set(HttpHeaderNames.CONNECTION, "close");
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
}
