package io.parley.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomService;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server API without its transport: a call's parameters in, its envelope {@code {Code, Message, RequestId, Data}}
 * out. Order of checks: common parameters and signature (gateway codes), Action, rate limits (206 / 207, never
 * queued), then the action's own parameters; a refused call changes nothing.
 */
public final class ServerApi {
    private static final Logger log = LoggerFactory.getLogger(ServerApi.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final Authenticator auth;
    private final RateLimiter limiter;
    private final Map<String, Action> actions = new LinkedHashMap<>();
    private final ParleyConfig.Api config;
    private final ForbidRules rules;
    private final SecureRandom random = new SecureRandom();
    private final MeterRegistry registry;

    /** {@code closing} hears, on the room's loop, that CloseRoom is about to empty a room (for the webhooks). */
    public ServerApi(ParleyConfig config, RoomService rooms, Clock clock, MeterRegistry registry,
                     BiConsumer<String, Boolean> closing) {
        Map<Long, AppConfig> apps = new LinkedHashMap<>();
        config.apps().forEach(a -> apps.put(a.appId(), a));
        this.config = config.api();
        this.auth = new Authenticator(apps, clock, config.api().maxNonces());
        this.limiter = new RateLimiter(clock);
        this.rules = new ForbidRules(clock);
        this.registry = registry;
        rooms.attach(rules);
        for (Action a : new RoomActions(rooms, closing).actions()) {
            actions.put(a.name(), a);
        }
        for (Action a : new ForbidActions(rules, rooms, clock).actions()) {
            actions.put(a.name(), a);
        }
        for (String im : List.of("SendBroadcastMessage", "SendBarrageMessage", "SendCustomCommand")) {
            actions.put(im, new Action(im, 100, (app, r) -> {
                throw new ApiException(ApiCodes.UNSUPPORTED_ACTION, "Unsupported Action: " + im
                        + " (this server has no room IM yet)");
            }));
        }
    }

    /** The actions this server answers, in order (for the OpenAPI description and docs). */
    public List<String> actionNames() {
        return List.copyOf(actions.keySet());
    }

    /** Runs one call; the stage always completes normally with the envelope as JSON bytes. */
    public CompletionStage<byte[]> call(Map<String, List<String>> query, byte[] body) {
        String requestId = HexFormat.of().formatHex(bytes(8));
        long started = System.nanoTime();
        String[] actionName = {"unknown"};
        CompletionStage<Object> data;
        try {
            JsonNode json = null;
            if (body != null && body.length > 0) {
                try {
                    json = JSON.readTree(body);
                } catch (java.io.IOException e) {
                    throw new ApiException(ApiCodes.BODY_UNREADABLE, "body: not JSON (expected: a JSON object of the action's parameters)");
                }
                if (json != null && !json.isObject()) {
                    throw new ApiException(ApiCodes.BODY_UNREADABLE, "body: a JSON " + json.getNodeType().name().toLowerCase()
                            + " (expected: a JSON object)");
                }
            }
            ApiRequest r = new ApiRequest(query, json);
            AppConfig app = auth.check(r);
            String name = r.get("Action");
            if (name == null || name.isEmpty()) {
                throw new ApiException(ApiCodes.ACTION_EMPTY, "Action: missing (expected one of: " + String.join(", ", actions.keySet()) + ")");
            }
            Action action = actions.get(name);
            if (action == null) {
                throw new ApiException(ApiCodes.UNSUPPORTED_ACTION, "Unsupported Action: '" + name + "'");
            }
            actionName[0] = name;
            limit(app, action, r);
            data = action.handler().run(app, r);
        } catch (ApiException e) {
            data = CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            data = CompletableFuture.failedFuture(e);
        }
        return data.handle((d, err) -> {
            Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            int code;
            String message;
            if (t == null) {
                code = ApiCodes.OK;
                message = "success";
            } else if (t instanceof ApiException e) {
                code = e.code;
                message = e.getMessage();
            } else {
                log.warn("server API action {} failed (request {})", actionName[0], requestId, t);
                code = ApiCodes.FAILED;
                message = "internal error";
            }
            count(actionName[0], code, System.nanoTime() - started);
            Map<String, Object> env = new LinkedHashMap<>();
            env.put("Code", code);
            env.put("Message", message);
            env.put("RequestId", requestId);
            env.put("Data", d == null ? Map.of() : d);
            try {
                return JSON.writeValueAsBytes(env);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void limit(AppConfig app, Action action, ApiRequest r) {
        if (config.appQps() > 0 && !limiter.tryAcquire(app.appId() + "", config.appQps(), Duration.ofSeconds(1))) {
            throw new ApiException(ApiCodes.APP_QPS_LIMITED, "App QPS limited: more than " + config.appQps()
                    + " calls per second (api.appQps)");
        }
        if (!config.rateLimits()) {
            return;
        }
        if (action.appPerSecond() > 0 && !limiter.tryAcquire(app.appId() + "/" + action.name(), action.appPerSecond(),
                Duration.ofSeconds(1))) {
            throw new ApiException(ApiCodes.APP_QPS_LIMITED, "App QPS limited: " + action.name() + " allows "
                    + action.appPerSecond() + " calls per second per App");
        }
        String room = r.get("RoomId");
        if (action.roomPermits() > 0 && room != null && !limiter.tryAcquire(app.appId() + "/" + action.name() + "/" + room,
                action.roomPermits(), action.roomWindow())) {
            throw new ApiException(ApiCodes.ROOM_QPS_LIMITED, "room QPS limited: " + action.name() + " allows "
                    + action.roomPermits() + " call(s) per " + action.roomWindow().toSeconds() + " s per room");
        }
    }

    private void count(String action, int code, long nanos) {
        if (registry == null) {
            return;
        }
        String outcome = code == 0 ? "ok" : code >= 100000000 ? "refused" : "failed";
        Timer.builder("parley_api_requests").description("server API calls by action and outcome (ok, refused by the "
                        + "gateway checks, failed in the action)")
                .tag("action", actions.containsKey(action) ? action : "unknown").tag("outcome", outcome)
                .register(registry).record(Duration.ofNanos(nanos));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
