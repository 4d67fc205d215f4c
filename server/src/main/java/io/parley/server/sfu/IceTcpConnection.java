package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ICE-TCP connection from a client (RFC 6544, we are passive): each RFC 4571 frame (already cut by the pipeline's
 * length-field decoder) goes to the media plane like a UDP datagram. The first frame must be a STUN binding request
 * for a known transport, within the check deadline; after that the connection is that
 * transport's path until either side closes it. Lifecycle: open → checked (bound to a transport) → closed. Runs on the
 * media loop; {@link #send} may be called from the DTLS pool too.
 */
final class IceTcpConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(IceTcpConnection.class);

    private final MediaPlane plane;
    private final IceTcpCounters counters;
    private Channel channel;
    private InetSocketAddress remote;
    private MediaPath path;
    private ScheduledFuture<?> deadline;
    /** The transport a verified check bound this connection to; null until then (media loop only). */
    WebRtcTransport transport;

    private final long checkDeadlineMillis;

    IceTcpConnection(MediaPlane plane, IceTcpCounters counters, long checkDeadlineMillis) {
        this.plane = plane;
        this.counters = counters;
        this.checkDeadlineMillis = checkDeadlineMillis;
    }

    Channel channel() {
        return channel;
    }

    InetSocketAddress remote() {
        return remote;
    }

    MediaPath path() {
        return path;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        remote = (InetSocketAddress) channel.remoteAddress();
        path = MediaPath.tcp(this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> close(IceTcpCounters.Close.NO_ICE_CHECK),
                checkDeadlineMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (channel.isActive()) {
                plane.onTcpFrame(this, frame, plane.clock().nanoTime());
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        plane.flush(); // what the frames caused on UDP paths (forwarding to other players)
    }

    /** A verified ICE check arrived: the deadline is met. */
    void checked(WebRtcTransport t) {
        transport = t;
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /** Sends one packet (ownership passes here); dropped and counted while the peer is not reading. */
    void send(ByteBuf packet) {
        if (!channel.isWritable()) {
            packet.release();
            counters.sendDropped.increment();
            return;
        }
        channel.writeAndFlush(packet, channel.voidPromise());
    }

    /** Closes the connection for {@code why} (counted). */
    void close(IceTcpCounters.Close why) {
        if (channel.isOpen()) {
            counters.close(why);
            log.debug("ice-tcp {} closed: {}", remote, why);
            channel.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            close(transport == null ? IceTcpCounters.Close.NO_ICE_CHECK : IceTcpCounters.Close.IDLE);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        plane.tcpClosed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            close(IceTcpCounters.Close.FRAME_TOO_LARGE);
        } else {
            log.debug("ice-tcp {}: {}", remote, cause.toString());
            ctx.close();
        }
    }

    @Override
    public String toString() {
        return "ice-tcp " + remote;
    }
}
