package io.parley.server.api;

import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.server.room.AccessRules;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rules a business server set: user rules (SetForbidUserRule: by IP, room, user, or room and user; disabling
 * login and/or publish until they expire) and forbidden streamIDs (ForbidRTCStream). Asked at each login and
 * publish; a rule changes nothing already running (ForbidRTCStream stops its stream itself). Bounded per App.
 */
final class ForbidRules implements AccessRules {
    static final int MAX_RULES_PER_APP = 10_000;
    static final int LOGIN = 1;
    static final int PUBLISH = 2;

    /** RuleType 1 IP, 2 RoomId, 3 UserId, 4 RoomId+UserId; the identifiers its type uses (others empty). */
    record Key(int type, String ip, String room, String user) {}

    record Rule(Key key, List<Integer> disabled, long effectiveSeconds, long createdMillis, long expiresMillis) {}

    /** A forbidden streamID's last Sequence, and whether it is forbidden now. */
    record StreamState(long sequence, boolean forbidden, long atMillis) {}

    private final Clock clock;
    private final Map<Long, Map<Key, Rule>> users = new ConcurrentHashMap<>();
    private final Map<Long, Map<String, StreamState>> streams = new ConcurrentHashMap<>();

    ForbidRules(Clock clock) {
        this.clock = clock;
    }

    /** False when the App already has {@link #MAX_RULES_PER_APP} live rules. */
    boolean put(long appId, Rule rule) {
        Map<Key, Rule> m = users.computeIfAbsent(appId, k -> new ConcurrentHashMap<>());
        m.values().removeIf(r -> r.expiresMillis() <= clock.millis());
        if (!m.containsKey(rule.key()) && m.size() >= MAX_RULES_PER_APP) {
            return false;
        }
        m.put(rule.key(), rule);
        return true;
    }

    boolean remove(long appId, Key key) {
        Map<Key, Rule> m = users.get(appId);
        return m != null && m.remove(key) != null;
    }

    /** The App's rules still in force, oldest first. */
    List<Rule> rules(long appId) {
        Map<Key, Rule> m = users.get(appId);
        List<Rule> out = new ArrayList<>();
        long now = clock.millis();
        if (m != null) {
            m.values().stream().filter(r -> r.expiresMillis() > now)
                    .sorted(java.util.Comparator.comparingLong(Rule::createdMillis)).forEach(out::add);
        }
        return out;
    }

    /** Records a ForbidRTCStream / ResumeRTCStream; false if {@code sequence} is not above the last one. */
    boolean stream(long appId, StreamId stream, long sequence, boolean forbidden) {
        Map<String, StreamState> m = streams.computeIfAbsent(appId, k -> new ConcurrentHashMap<>());
        boolean[] ok = {false};
        m.compute(stream.value(), (k, prev) -> {
            if (prev != null && sequence <= prev.sequence() && clock.millis() - prev.atMillis() < 10_000) {
                return prev;
            }
            ok[0] = true;
            return forbidden || m.size() < MAX_RULES_PER_APP ? new StreamState(sequence, forbidden, clock.millis()) : null;
        });
        return ok[0];
    }

    boolean streamForbidden(long appId, String stream) {
        Map<String, StreamState> m = streams.get(appId);
        StreamState s = m == null ? null : m.get(stream);
        return s != null && s.forbidden();
    }

    @Override
    public String loginRefusal(long appId, InetAddress from, RoomId room, UserId user) {
        Rule r = match(appId, from, room, user, LOGIN);
        return r == null ? null : "login forbidden by the server (rule type " + r.key().type() + ")";
    }

    @Override
    public String publishRefusal(long appId, InetAddress from, RoomId room, UserId user, StreamId stream) {
        if (streamForbidden(appId, stream.value())) {
            return "streamID '" + stream + "' is forbidden by the server (ForbidRTCStream)";
        }
        Rule r = match(appId, from, room, user, PUBLISH);
        return r == null ? null : "publishing forbidden by the server (rule type " + r.key().type() + ")";
    }

    private Rule match(long appId, InetAddress from, RoomId room, UserId user, int privilege) {
        Map<Key, Rule> m = users.get(appId);
        if (m == null || m.isEmpty()) {
            return null;
        }
        String ip = from == null ? "" : from.getHostAddress();
        Key[] keys = {new Key(1, ip, "", ""), new Key(2, "", room.value(), ""), new Key(3, "", "", user.value()),
                new Key(4, "", room.value(), user.value())};
        long now = clock.millis();
        for (Key k : keys) {
            Rule r = m.get(k);
            if (r != null && r.expiresMillis() > now && r.disabled().contains(privilege)) {
                return r;
            }
        }
        return null;
    }
}
