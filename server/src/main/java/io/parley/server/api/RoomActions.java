package io.parley.server.api;

import static io.parley.server.api.Ids.obj;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.server.config.AppConfig;
import io.parley.server.room.RoomService;
import io.parley.server.room.RoomView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * The room-management actions (reference §5.2). Each reads or changes a room on the room's own loop through
 * {@link RoomService}, so a call racing a member's own request leaves every view of the room consistent.
 */
final class RoomActions {
    /** UserRole: Parley has no roles, every member is reported as an audience member (2). */
    static final int ROLE_AUDIENCE = 2;
    static final int MAX_KICK_USERS = 5;
    static final int MAX_DESCRIBE = 10;
    static final int MAX_REASON_BYTES = 256;

    private final RoomService rooms;
    /** Told on the room's loop, just before CloseRoom kicks its members: (appId/roomId key, RoomCloseCallback). */
    private final BiConsumer<String, Boolean> closing;

    RoomActions(RoomService rooms, BiConsumer<String, Boolean> closing) {
        this.rooms = rooms;
        this.closing = closing;
    }

    List<Action> actions() {
        return List.of(
                new Action("KickoutUser", 50, this::kickoutUser),
                new Action("CloseRoom", 1, this::closeRoom),
                new Action("DescribeUserNum", 10, this::describeUserNum),
                new Action("DescribeUserList", 200, 1, Duration.ofSeconds(1), this::describeUserList),
                new Action("DescribeUsers", 10, this::describeUsers),
                new Action("DescribeSimpleStreamList", 50, 1, Duration.ofSeconds(10), this::describeSimpleStreamList),
                new Action("DescribeRoomList", 10, this::describeRoomList),
                new Action("AddStream", 0, this::addStream),
                new Action("DeleteStream", 0, this::deleteStream));
    }

    private static List<UserId> users(ApiRequest r, String name, int max) {
        List<String> raw = r.list(name);
        if (raw.isEmpty()) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, name + "[]: missing (expected: 1.." + max + " userIDs)");
        }
        if (raw.size() > max) {
            throw new ApiException(ApiCodes.USER_LIST_TOO_LONG, name + "[]: " + raw.size() + " userIDs (expected: <= " + max + ")");
        }
        List<UserId> out = new ArrayList<>(raw.size());
        for (String u : raw) {
            out.add(Ids.user(name, u));
        }
        return out;
    }

    private CompletionStage<Object> kickoutUser(AppConfig app, ApiRequest r) {
        RoomId room = Ids.room(r);
        List<UserId> users = users(r, "UserId", MAX_KICK_USERS);
        String reason = r.text("CustomReason", MAX_REASON_BYTES, "");
        // Kicking a user who is not in the room succeeds (reference: KickoutUser).
        return rooms.kickOut(app.appId(), room, users, reason).thenApply(kicked -> null);
    }

    private CompletionStage<Object> closeRoom(AppConfig app, ApiRequest r) {
        RoomId room = Ids.room(r);
        String reason = r.text("CustomReason", MAX_REASON_BYTES, "");
        boolean callback = r.flag("RoomCloseCallback");
        String key = app.appId() + "/" + room.value();
        return rooms.closeRoom(app.appId(), room, reason, () -> closing.accept(key, callback)).thenApply(n -> {
            if (n < 0) {
                throw new ApiException(ApiCodes.ROOM_NOT_FOUND, "room '" + room + "' does not exist");
            }
            return null;
        });
    }

    private CompletionStage<Object> describeUserNum(AppConfig app, ApiRequest r) {
        List<String> ids = r.list("RoomId");
        if (ids.isEmpty() || ids.size() > MAX_DESCRIBE) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, "RoomId[]: " + ids.size() + " roomIDs (expected: 1.." + MAX_DESCRIBE + ")");
        }
        List<CompletableFuture<Map<String, Object>>> counts = new ArrayList<>();
        for (String id : ids) {
            RoomId room = Ids.parse("RoomId", id, RoomId::new);
            counts.add(rooms.describe(app.appId(), room).toCompletableFuture()
                    .thenApply(v -> obj("RoomId", id, "UserCount", v == null ? 0 : v.members().size(), "AdminUserCount", 0)));
        }
        return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new)).thenApply(x -> {
            List<Map<String, Object>> list = new ArrayList<>();
            counts.forEach(c -> list.add(c.join()));
            return obj("UserCountList", list);
        });
    }

    private CompletionStage<Object> describeUserList(AppConfig app, ApiRequest r) {
        RoomId room = Ids.room(r);
        int mode = (int) r.number("Mode", 0, 0, 1);
        int limit = (int) r.number("Limit", 200, 0, 200);
        int pageSize = limit == 0 ? 200 : limit;
        String marker = r.get("Marker");
        return rooms.describe(app.appId(), room).thenApply(v -> {
            List<RoomView.MemberView> ordered = new ArrayList<>(v == null ? List.of() : v.members());
            if (mode == 1) {
                Collections.reverse(ordered);
            }
            int start = start(ordered, marker, mode == 1);
            int end = Math.min(ordered.size(), start + pageSize);
            List<Map<String, Object>> page = new ArrayList<>();
            for (RoomView.MemberView m : ordered.subList(start, end)) {
                page.add(obj("UserId", m.userId(), "UserName", m.userName(), "UserRole", ROLE_AUDIENCE));
            }
            String next = end < ordered.size() ? marker(ordered.get(end - 1)) : "";
            return obj("Marker", next, "UserList", page);
        });
    }

    /**
     * Parley's extension (ZEGO has no such action; the operator CLI's {@code parley rooms} uses it): the App's open
     * rooms on this node by roomID, a page of Limit after Marker (the previous page's last roomID), each with its
     * member and stream counts read on the room's loop. A room that closed meanwhile is left out.
     */
    private CompletionStage<Object> describeRoomList(AppConfig app, ApiRequest r) {
        int limit = (int) r.number("Limit", 200, 0, 200);
        int pageSize = limit == 0 ? 200 : limit;
        String marker = r.get("Marker");
        List<RoomId> ids = rooms.roomIds(app.appId());
        int start = 0;
        if (marker != null && !marker.isEmpty()) {
            while (start < ids.size() && ids.get(start).value().compareTo(marker) <= 0) {
                start++;
            }
        }
        List<RoomId> page = ids.subList(start, Math.min(ids.size(), start + pageSize));
        String next = start + page.size() < ids.size() ? page.get(page.size() - 1).value() : "";
        List<CompletableFuture<RoomView>> views = new ArrayList<>();
        for (RoomId id : page) {
            views.add(rooms.describe(app.appId(), id).toCompletableFuture());
        }
        return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new)).thenApply(x -> {
            List<Map<String, Object>> list = new ArrayList<>();
            for (CompletableFuture<RoomView> f : views) {
                RoomView v = f.join();
                if (v != null) {
                    list.add(obj("RoomId", v.roomId(), "UserCount", v.members().size(), "StreamCount", v.streams().size()));
                }
            }
            return obj("Marker", next, "RoomList", list);
        });
    }

    /** Marker: "<loginTimeMs>:<userID>" of the last user of the previous page. */
    private static String marker(RoomView.MemberView m) {
        return m.loginTimeMillis() + ":" + m.userId();
    }

    /** Where the page after {@code marker} starts: after the marked user, or (if it left) after its login time. */
    private static int start(List<RoomView.MemberView> ordered, String marker, boolean descending) {
        if (marker == null || marker.isEmpty()) {
            return 0;
        }
        int colon = marker.indexOf(':');
        long time;
        try {
            time = Long.parseLong(colon < 0 ? "x" : marker.substring(0, colon));
        } catch (NumberFormatException e) {
            throw new ApiException(ApiCodes.PARAMETER_ERROR, "Marker: '" + marker + "' (expected: the Marker of the previous page)");
        }
        String user = marker.substring(colon + 1);
        for (int i = 0; i < ordered.size(); i++) {
            if (ordered.get(i).userId().equals(user)) {
                return i + 1;
            }
        }
        for (int i = 0; i < ordered.size(); i++) {
            long t = ordered.get(i).loginTimeMillis();
            if (descending ? t < time : t > time) {
                return i;
            }
        }
        return ordered.size();
    }

    private CompletionStage<Object> describeUsers(AppConfig app, ApiRequest r) {
        RoomId room = Ids.room(r);
        List<UserId> users = users(r, "UserId", MAX_DESCRIBE);
        return rooms.describe(app.appId(), room).thenApply(v -> {
            Map<String, RoomView.MemberView> in = new HashMap<>();
            if (v != null) {
                v.members().forEach(m -> in.put(m.userId(), m));
            }
            List<Map<String, Object>> out = new ArrayList<>();
            for (UserId u : users) {
                RoomView.MemberView m = in.get(u.value());
                out.add(obj("UserId", u.value(), "Status", m == null ? 0 : 1, "LoginTime", m == null ? 0 : m.loginTimeMillis(),
                        "UserRole", m == null ? 0 : ROLE_AUDIENCE));
            }
            return obj("UserStatusList", out);
        });
    }

    private CompletionStage<Object> describeSimpleStreamList(AppConfig app, ApiRequest r) {
        RoomId room = Ids.room(r);
        return rooms.describe(app.appId(), room).thenApply(v -> {
            List<Map<String, Object>> out = new ArrayList<>();
            if (v != null) {
                for (RoomView.StreamView s : v.streams()) {
                    out.add(obj("StreamId", s.streamId(), "UserId", s.userId(), "UserName", s.userName(),
                            "CreateTime", s.createTimeMillis(), "StreamNumberId", 0));
                }
            }
            return obj("StreamList", out);
        });
    }

    private CompletionStage<Object> addStream(AppConfig app, ApiRequest r) {
        RoomId room = Ids.room(r);
        UserId user = Ids.user("UserId", r.required("UserId"));
        String name = r.text("UserName", 256, user.value());
        StreamId stream = Ids.stream(r);
        r.text("StreamTitle", 127, "");
        String extra = r.text("ExtraInfo", 1024, "");
        return rooms.addStream(app.appId(), room, user, name, stream, extra).thenApply(result -> switch (result) {
            case ADDED -> null;
            case NO_ROOM -> throw new ApiException(ApiCodes.ROOM_NOT_FOUND, "room '" + room + "' does not exist");
            case STREAM_EXISTS -> throw new ApiException(ApiCodes.STREAM_CONFLICT, "streamID '" + stream
                    + "' is already published in this App");
        });
    }

    private CompletionStage<Object> deleteStream(AppConfig app, ApiRequest r) {
        RoomId room = Ids.room(r);
        StreamId stream = Ids.stream(r);
        return rooms.deleteStream(app.appId(), room, stream, ErrorCode.OK).thenApply(found -> {
            if (!found) {
                throw new ApiException(ApiCodes.STREAM_NOT_FOUND, "no stream '" + stream + "' in room '" + room + "'");
            }
            return null;
        });
    }
}
