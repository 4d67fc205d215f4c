package io.parley.server.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.room.RoomEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks (reference §5.3): subscribed to every room's {@link RoomEvent}s, it turns each event of an App with a
 * {@code callbackUrl} into ZEGO's body (room_create, room_close, room_login, room_logout, stream_create,
 * stream_close), signs it and queues it in the App's {@link Outbox}. The listener runs on room loops: it builds
 * the body and enqueues, nothing more; delivery never blocks a room.
 */
public final class Webhooks implements RoomEvent.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** room_session_id: positive and below 2^53, so a JavaScript receiver reads it exactly. */
    private static final long SESSION_ID_MASK = (1L << 53) - 1;

    private final Map<Long, Outbox> outboxes = new LinkedHashMap<>();
    private final Map<Long, AppConfig> apps = new LinkedHashMap<>();
    private final Map<String, RoomHooks> rooms = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor scheduler;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public Webhooks(List<AppConfig> apps, ParleyConfig.Webhook config, MeterRegistry registry, Clock clock) {
        this.clock = clock;
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "parley-webhooks");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        WebhookMetrics metrics = new WebhookMetrics(registry);
        HttpClient http = HttpClient.newBuilder().connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        for (AppConfig a : apps) {
            if (!a.callbackUrl().isEmpty()) {
                this.apps.put(a.appId(), a);
                outboxes.put(a.appId(), new Outbox(a.appId(), URI.create(a.callbackUrl()), http, scheduler, config, metrics));
            }
        }
    }

    /** True when some App has a callback URL (otherwise nothing needs to subscribe). */
    public boolean any() {
        return !outboxes.isEmpty();
    }

    /** CloseRoom is about to empty the room (called on its loop): its streams close with type 5, room_close only if asked. */
    public void closing(String appSlashRoom, boolean callback) {
        RoomHooks h = rooms.get(appSlashRoom);
        if (h != null) {
            h.closing = true;
            h.closeCallback = callback;
        }
    }

    /** Events waiting or in flight for this App. */
    public int depth(long appId) {
        Outbox o = outboxes.get(appId);
        return o == null ? 0 : o.depth();
    }

    @Override
    public void onEvent(RoomEvent e) {
        AppConfig app = apps.get(e.appId());
        if (app == null) {
            return;
        }
        String key = e.appId() + "/" + e.room().value();
        long now = clock.millis();
        String roomId = e.room().value();
        String appid = Long.toString(e.appId());
        if (e instanceof RoomEvent.RoomCreated) {
            rooms.put(key, new RoomHooks((random.nextLong() & SESSION_ID_MASK) | 1, now));
            return; // room_create goes with the first login, which names its creator
        }
        RoomHooks h = rooms.get(key);
        if (h == null) {
            return; // subscribed after the room was created
        }
        if (e instanceof RoomEvent.UserJoined j) {
            String user = j.user().value();
            if (h.createPending) {
                h.createPending = false;
                send(app, key, body("room_create", e.appId(), now, "room_id", roomId, "room_session_id", h.roomSessionId,
                        "room_create_time", Long.toString(h.createTimeMillis), "id_name", user));
            }
            RoomHooks.Login login = new RoomHooks.Login(h.roomSessionId + "-" + (++h.userUpdateSeq), j.userName(), now);
            int relogin = h.recentlyClosed.remove(user) != null ? 1 : 0;
            h.logins.put(user, login);
            send(app, key, body("room_login", appid, now, "room_id", roomId, "room_name", roomId, "room_seq",
                    Long.toString(h.roomSessionId), "user_account", user, "user_nickname", j.userName(), "session_id",
                    login.sessionId(), "login_time", Long.toString(now), "user_role", 2, "auth_level", 1, "relogin", relogin,
                    "user_update_seq", h.userUpdateSeq, "callback_data", "", "term_type", 32));
        } else if (e instanceof RoomEvent.UserLeft l) {
            String user = l.user().value();
            RoomHooks.Login login = h.logins.remove(user);
            h.lastLeave = l.reason();
            if (l.reason() == io.parley.server.room.LeaveReason.KICKED_MULTIPLE_LOGIN) {
                h.recentlyClosed.put(user, now);
            }
            send(app, key, body("room_logout", appid, now, "room_id", roomId, "room_seq", Long.toString(h.roomSessionId),
                    "user_account", user, "user_nickname", login == null ? user : login.name(), "session_id",
                    login == null ? "" : login.sessionId(), "login_time", Long.toString(login == null ? 0 : login.loginTimeMillis()),
                    "logout_time", Long.toString(now), "reason", RoomHooks.logoutReason(l.reason()), "user_role", 2,
                    "user_update_seq", ++h.userUpdateSeq));
        } else if (e instanceof RoomEvent.StreamCreated s) {
            String user = s.user().value();
            RoomHooks.Login login = h.logins.get(user);
            String stream = s.stream().value();
            RoomHooks.Stream st = new RoomHooks.Stream(h.roomSessionId + "-" + stream + "-" + (h.streamSeq + 1), ++h.streamSeq, now);
            h.streams.put(stream, st);
            send(app, key, body("stream_create", appid, now, "room_id", roomId, "room_session_id", Long.toString(h.roomSessionId),
                    "user_id", user, "user_name", login == null ? user : login.name(), "channel_id", "0", "stream_id", stream,
                    "stream_alias", stream, "stream_sid", st.sid(), "title", "", "stream_attr", "{\"cid\":0}",
                    "stream_seq", Long.toString(st.seq()), "create_time", Long.toString(now / 1000),
                    "create_time_ms", Long.toString(now), "extra_info", s.extraInfo() == null ? "" : s.extraInfo(),
                    "recreate", 0, "publish_id", user, "publish_name", login == null ? user : login.name(),
                    "rtmp_url", List.of(), "hls_url", List.of(), "hdl_url", List.of(), "pic_url", List.of()));
        } else if (e instanceof RoomEvent.StreamClosed c) {
            String user = c.user().value();
            RoomHooks.Login login = h.logins.get(user);
            String stream = c.stream().value();
            RoomHooks.Stream st = h.streams.remove(stream);
            send(app, key, body("stream_close", appid, now, "room_id", roomId, "room_session_id", Long.toString(h.roomSessionId),
                    "user_id", user, "user_name", login == null ? user : login.name(), "channel_id", "0",
                    "type", h.closeType(c.code()), "stream_alias", stream, "stream_id", stream,
                    "stream_sid", st == null ? "" : st.sid(), "stream_seq", st == null ? "0" : Long.toString(st.seq()),
                    "third_define_data", "", "create_time_ms", st == null ? "0" : Long.toString(st.createTimeMillis()),
                    "destroy_timemillis", Long.toString(now)));
        } else if (e instanceof RoomEvent.RoomClosed) {
            rooms.remove(key);
            if (h.closing && !h.closeCallback) {
                return;
            }
            send(app, key, body("room_close", e.appId(), now, "room_id", roomId, "room_session_id", h.roomSessionId,
                    "room_close_time", Long.toString(now), "close_reason", RoomHooks.closeReason(h.lastLeave)));
        }
    }

    /** The common fields first ({@code appid} a number or a string, as the reference has it per event), then the rest. */
    private Map<String, Object> body(String event, Object appid, long now, Object... kv) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("event", event);
        b.put("appid", appid);
        b.put("timestamp", Long.toString(now / 1000));
        b.put("nonce", HexFormat.of().formatHex(nonce()));
        for (int i = 0; i < kv.length; i += 2) {
            b.put((String) kv[i], kv[i + 1]);
        }
        return b;
    }

    private byte[] nonce() {
        byte[] n = new byte[8];
        random.nextBytes(n);
        return n;
    }

    private void send(AppConfig app, String lane, Map<String, Object> body) {
        body.put("signature", WebhookSignature.sign(app.webhookSecret(), (String) body.get("timestamp"), (String) body.get("nonce")));
        try {
            outboxes.get(app.appId()).offer(lane, (String) body.get("event"), JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException ex) {
            log.warn("webhook body not encodable app={} lane={}", app.appId(), lane, ex);
        }
    }

    /** SIGTERM: delivers what is queued until {@code timeout}, then drops (and counts) the rest. */
    public void flush(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        int dropped = 0;
        for (Outbox o : outboxes.values()) {
            dropped += o.flush(Duration.ofNanos(Math.max(0, end - System.nanoTime())));
        }
        if (dropped > 0) {
            log.warn("{} webhook events not delivered before the drain deadline (dropped)", dropped);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
