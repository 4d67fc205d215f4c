package io.parley.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.parley.protocol.ErrorCode;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The guard handlers' logic on EmbeddedChannel, time moved by hand. */
class GuardHandlersTest {
    static ParleyConfig.Gateway limits(int rate, int burst) {
        ParleyConfig.Gateway d = ParleyConfig.Gateway.DEFAULTS;
        return new ParleyConfig.Gateway(d.writeBufferLowBytes(), d.writeBufferHighBytes(), d.maxOutboundBytes(),
                d.slowClientTimeout(), d.closeTimeout(), d.requestTimeout(), d.loginTimeout(), d.maxInitialLineBytes(),
                d.maxHeaderBytes(), rate, burst, d.maxMessagesPerRead(), d.maxConnections(), d.maxConnectionsPerAddress());
    }

    @Test
    void everyFrameIsASignOfLifeAndTheBucketRefillsWithTime() {
        AtomicInteger touches = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        EmbeddedChannel ch = new EmbeddedChannel(new WsGuard(touches::incrementAndGet, limits(10, 2), new GatewayEvents() {}, now::get));
        ch.writeInbound(new PingWebSocketFrame(Unpooled.buffer(1).writeByte(1)));
        ch.writeInbound(new TextWebSocketFrame("{}"));
        assertThat(touches.get()).isEqualTo(2);
        ReferenceCountUtil.release(ch.readInbound());
        ReferenceCountUtil.release(ch.readInbound());
        // The bucket (burst 2) is empty: the next text frame is answered with 1002072 and its own id and type, unhandled.
        ch.writeInbound(new TextWebSocketFrame("{\"data\":{\"id\":\"inner\"},\"id\":\"7\",\"type\":\"startPublishing\"}"));
        assertThat((Object) ch.readInbound()).isNull();
        TextWebSocketFrame reply = ch.readOutbound();
        assertThat(reply.text()).contains("\"code\":" + ErrorCode.REQUEST_RATE_LIMITED).contains("\"id\":\"7\"")
                .contains("\"type\":\"startPublishing\"");
        reply.release();
        // A ping over the budget gets nothing (no pong from the protocol handler behind us).
        ch.writeInbound(new PingWebSocketFrame(Unpooled.buffer(1).writeByte(1)));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat((Object) ch.readOutbound()).isNull();
        // 100 ms later at 10 a second: one token.
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        ch.writeInbound(new TextWebSocketFrame("{}"));
        ReferenceCountUtil.release(ch.readInbound());
        assertThat(touches.get()).isEqualTo(5);
        assertFalse(ch.finish());
    }

    @Test
    void anHttpRequestMustBeCompleteBeforeTheDeadlineButItsAnswerMayStream() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpDeadline(TimeUnit.SECONDS.toNanos(10), new GatewayEvents() {}));
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/live/s.flv")); // headers only
        ReferenceCountUtil.release(ch.readInbound());
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        // The request completes: the clock stops while it is answered, however long (a streaming answer).
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x"));
        ReferenceCountUtil.release(ch.readInbound());
        ch.advanceTimeBy(60, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        // The answer ends: the next request gets the deadline again.
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        ReferenceCountUtil.release(ch.readOutbound());
        ch.advanceTimeBy(Duration.ofSeconds(11).toNanos(), TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finish());
    }
}
