package io.parley.server.api;

import static io.parley.server.api.Ids.obj;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.StreamId;
import io.parley.server.config.AppConfig;
import io.parley.server.room.RoomService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** SetForbidUserRule / DescribeForbidUserRules / DelForbidUserRule and ForbidRTCStream / ResumeRTCStream / DescribeRTCStreamState. */
final class ForbidActions {
    private final ForbidRules rules;
    private final RoomService rooms;
    private final Clock clock;

    ForbidActions(ForbidRules rules, RoomService rooms, Clock clock) {
        this.rules = rules;
        this.rooms = rooms;
        this.clock = clock;
    }

    List<Action> actions() {
        return List.of(
                new Action("SetForbidUserRule", 10, this::set),
                new Action("DescribeForbidUserRules", 10, this::describe),
                new Action("DelForbidUserRule", 10, this::delete),
                new Action("ForbidRTCStream", 0, (app, r) -> stream(app, r, true)),
                new Action("ResumeRTCStream", 0, (app, r) -> stream(app, r, false)),
                new Action("DescribeRTCStreamState", 0, this::streamState));
    }

    private static ForbidRules.Key key(ApiRequest r) {
        int type = (int) r.number("RuleType", -1, 1, 4);
        return switch (type) {
            case 1 -> new ForbidRules.Key(1, r.required("Ip"), "", "");
            case 2 -> new ForbidRules.Key(2, "", Ids.room(r).value(), "");
            case 3 -> new ForbidRules.Key(3, "", "", Ids.user("UserId", r.required("UserId")).value());
            case 4 -> new ForbidRules.Key(4, "", Ids.room(r).value(), Ids.user("UserId", r.required("UserId")).value());
            default -> throw new ApiException(ApiCodes.PARAMETER_ERROR, "RuleType: missing (expected: 1 IP, 2 RoomId, 3 UserId, 4 RoomId+UserId)");
        };
    }

    private CompletionStage<Object> set(AppConfig app, ApiRequest r) {
        ForbidRules.Key key = key(r);
        List<Integer> disabled = new ArrayList<>();
        for (String p : r.list("DisabledPrivilege")) {
            if (!p.equals("1") && !p.equals("2")) {
                throw new ApiException(ApiCodes.PARAMETER_ERROR, "DisabledPrivilege[]: '" + p + "' (expected: 1 login, 2 publish)");
            }
            disabled.add(Integer.parseInt(p));
        }
        if (disabled.isEmpty()) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, "DisabledPrivilege[]: missing (expected: 1 login and/or 2 publish)");
        }
        long seconds = r.number("EffectiveTime", -1, 1, 86_400);
        if (seconds < 0) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, "EffectiveTime: missing (expected: 1..86400 seconds)");
        }
        long now = clock.millis();
        if (!rules.put(app.appId(), new ForbidRules.Rule(key, List.copyOf(disabled), seconds, now, now + seconds * 1000))) {
            throw new ApiException(ApiCodes.FAILED, "too many rules for this App (expected: <= " + ForbidRules.MAX_RULES_PER_APP + ")");
        }
        return CompletableFuture.completedFuture(null);
    }

    private CompletionStage<Object> describe(AppConfig app, ApiRequest r) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ForbidRules.Rule rule : rules.rules(app.appId())) {
            ForbidRules.Key k = rule.key();
            out.add(obj("RuleType", k.type(), "Ip", k.ip(), "RoomId", k.room(), "UserId", k.user(),
                    "DisabledPrivilege", rule.disabled(), "EffectiveTime", rule.effectiveSeconds(),
                    "CreateTime", rule.createdMillis() / 1000, "ExpireTime", rule.expiresMillis() / 1000));
        }
        return CompletableFuture.completedFuture(obj("Rules", out));
    }

    private CompletionStage<Object> delete(AppConfig app, ApiRequest r) {
        rules.remove(app.appId(), key(r));
        return CompletableFuture.completedFuture(null);
    }

    private CompletionStage<Object> stream(AppConfig app, ApiRequest r, boolean forbid) {
        StreamId stream = Ids.stream(r);
        long sequence = r.number("Sequence", Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE);
        if (sequence == Long.MIN_VALUE) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, "Sequence: missing (expected: an integer increasing per call)");
        }
        if (!rules.stream(app.appId(), stream, sequence, forbid)) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, "Sequence: " + sequence
                    + " (expected: greater than the last call's for this streamID)");
        }
        if (!forbid) {
            return CompletableFuture.completedFuture(null);
        }
        // A live stream stops now: its publisher is told NO_PUBLISH 1003025, its peers DELETE code 6.
        return rooms.deleteStream(app.appId(), stream, ErrorCode.PUBLISH_FORBIDDEN).thenApply(x -> null);
    }

    private CompletionStage<Object> streamState(AppConfig app, ApiRequest r) {
        StreamId stream = Ids.stream(r);
        boolean forbidden = rules.streamForbidden(app.appId(), stream.value());
        return CompletableFuture.completedFuture(obj("StreamId", stream.value(), "Status", forbidden ? 1 : 0));
    }
}
