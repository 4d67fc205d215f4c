package io.parley.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** HttpRoutes on an EmbeddedChannel: routing by method and path, and answers that come later. */
class HttpRoutesTest {
    private final CompletableFuture<HttpRoutes.HttpReply> later = new CompletableFuture<>();

    private EmbeddedChannel channel() {
        Map<HttpRoutes.Key, HttpRoutes.AsyncRoute> routes = new LinkedHashMap<>(HttpRoutes.get(Map.of(
                "/healthz", (req, q) -> HttpRoutes.HttpReply.text(HttpResponseStatus.OK, "ok\n"))));
        routes.put(new HttpRoutes.Key(HttpMethod.POST, "/rooms"), (req, q) -> later);
        return new EmbeddedChannel(new HttpRoutes(routes));
    }

    private static FullHttpResponse ask(EmbeddedChannel ch, HttpMethod method, String uri) {
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri));
        return ch.readOutbound();
    }

    private static String body(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void routesByMethodAndPath() {
        EmbeddedChannel ch = channel();
        FullHttpResponse ok = ask(ch, HttpMethod.GET, "/healthz?x=1");
        assertThat(ok.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(body(ok)).isEqualTo("ok\n");

        FullHttpResponse head = ask(ch, HttpMethod.HEAD, "/healthz");
        assertThat(head.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(head.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(3);
        assertThat(body(head)).as("HEAD: the GET route's answer without its body").isEmpty();

        FullHttpResponse wrongMethod = ask(ch, HttpMethod.DELETE, "/healthz");
        assertThat(wrongMethod.status()).isEqualTo(HttpResponseStatus.METHOD_NOT_ALLOWED);
        assertThat(wrongMethod.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("GET");
        body(wrongMethod);

        FullHttpResponse missing = ask(ch, HttpMethod.GET, "/nope");
        assertThat(missing.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        assertThat(body(missing)).contains("no such path: /nope");
        assertFalse(ch.finish());
    }

    @Test
    void anAsyncRouteAnswersWhenItsStageCompletes() {
        EmbeddedChannel ch = channel();
        assertThat((Object) ask(ch, HttpMethod.POST, "/rooms")).as("nothing until the answer is ready").isNull();
        later.complete(HttpRoutes.HttpReply.text(HttpResponseStatus.CREATED, "made\n"));
        ch.runPendingTasks();
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.CREATED);
        assertThat(body(r)).isEqualTo("made\n");
        assertFalse(ch.finish());
    }

    @Test
    void aFailedAnswerIs500() {
        EmbeddedChannel ch = channel();
        ask(ch, HttpMethod.POST, "/rooms");
        later.completeExceptionally(new IllegalStateException("boom"));
        ch.runPendingTasks();
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.INTERNAL_SERVER_ERROR);
        body(r);
        assertFalse(ch.finish());
    }
}
