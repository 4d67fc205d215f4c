package io.parley.server;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.parley.server.auth.JwtTokens;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.gateway.HttpRoutes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Dev mode only: a token endpoint for the demo page and quick trials. Never mounted unless --dev. */
final class DevRoutes {
    private DevRoutes() {}

    static final Duration DEV_TOKEN_TTL = Duration.ofHours(1);

    static Map<String, HttpRoutes.Route> routes(ParleyConfig config) {
        if (!config.dev() || config.apps().isEmpty()) {
            return Map.of();
        }
        AppConfig app = config.apps().get(0);
        return Map.of("/dev/token", (req, q) -> {
            List<String> users = q.parameters().get("user");
            if (users == null || users.isEmpty() || users.get(0).isEmpty()) {
                return HttpRoutes.HttpReply.text(HttpResponseStatus.BAD_REQUEST, "user: missing (expected: /dev/token?user=alice[&room=r1])\n");
            }
            List<String> rooms = q.parameters().get("room");
            Instant now = Instant.now();
            String token = JwtTokens.mint(app.appId(), users.get(0), app.secretBytes(), now, now.plus(DEV_TOKEN_TTL),
                    rooms == null || rooms.isEmpty() ? null : rooms.get(0), true, true, null);
            String json = "{\"appID\":" + app.appId() + ",\"token\":\"" + token + "\"}";
            return new HttpRoutes.HttpReply(HttpResponseStatus.OK, "application/json", json.getBytes(StandardCharsets.UTF_8));
        });
    }
}
