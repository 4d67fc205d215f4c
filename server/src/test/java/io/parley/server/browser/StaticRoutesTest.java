package io.parley.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the server serves to browsers, with and without dev mode (no browser needed). */
class StaticRoutesTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(TestServer server, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.server().port() + path);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theSdkIsAlwaysServedTheDemoOnlyInDevMode() throws Exception {
        try (TestServer server = TestServer.start()) {
            HttpResponse<String> js = get(server, "/parley.js");
            assertThat(js.statusCode()).isEqualTo(200);
            assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
            // the browser SDK's UMD build as sdk/web keeps it (the npm package parley-web ships the same file)
            assertThat(js.body()).isEqualTo(Files.readString(Path.of("../sdk/web/src/parley.js")))
                    .contains("class ParleyEngine", "startPublishingStream", "root.ParleyEngine = ");
            HttpResponse<String> wx = get(server, "/parley-wx.js");
            assertThat(wx.statusCode()).isEqualTo(200);
            assertThat(wx.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
            assertThat(wx.body()).contains("function ParleyEngine(appID, server, options)", "updatePlayerState", "initContext");
            assertThat(get(server, "/").statusCode()).isEqualTo(404);
            assertThat(get(server, "/index.html").statusCode()).isEqualTo(404);
            assertThat(get(server, "/dev/token?user=a").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void devModeServesTheDemoPageAndItsTokenEndpoint() throws Exception {
        try (TestServer server = TestServer.start(TestServer.config().withDev(true))) {
            HttpResponse<String> page = get(server, "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("<script src=\"parley.js\"></script>", "/dev/token?user=");
            assertThat(get(server, "/index.html").body()).isEqualTo(page.body());
            HttpResponse<String> token = get(server, "/dev/token?user=alice&room=demo");
            assertThat(token.statusCode()).isEqualTo(200);
            assertThat(token.body()).startsWith("{\"appID\":" + TestServer.APP + ",\"token\":\"");
        }
    }
}
