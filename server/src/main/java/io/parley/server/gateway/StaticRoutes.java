package io.parley.server.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The browser SDK, the WeChat mini-program SDK and the demo page, read once from the classpath ({@code /web/...}):
 * {@code /parley.js} and {@code /parley-wx.js} always,
 * the demo page at {@code /} only in dev mode (it fetches tokens from the dev-only {@code /dev/token}).
 */
public final class StaticRoutes {
    static final String WEB_ROOT = "/web/";
    static final String JS = "text/javascript; charset=utf-8";
    static final String HTML = "text/html; charset=utf-8";

    private StaticRoutes() {}

    public static Map<String, HttpRoutes.Route> routes(boolean dev) {
        Map<String, HttpRoutes.Route> routes = new LinkedHashMap<>();
        routes.put("/parley.js", file("parley.js", JS));
        routes.put("/parley-wx.js", file("parley-wx.js", JS));   // from sdk/wechat (server/pom.xml copies it)
        if (dev) {
            HttpRoutes.Route index = file("index.html", HTML);
            routes.put("/", index);
            routes.put("/index.html", index);
        }
        return routes;
    }

    private static HttpRoutes.Route file(String name, String contentType) {
        HttpRoutes.HttpReply reply = new HttpRoutes.HttpReply(HttpResponseStatus.OK, contentType, read(name));
        return (req, q) -> reply;
    }

    private static byte[] read(String name) {
        try (InputStream in = StaticRoutes.class.getResourceAsStream(WEB_ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + WEB_ROOT + name + " missing (expected in the server jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + WEB_ROOT + name, e);
        }
    }
}
