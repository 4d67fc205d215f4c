package io.parley.server.sfu;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Which DTLS handshakes may run now. A handshake holds a {@code parley-dtls} thread until it ends, so the number running
 * is bounded in total, per source IP address, per session and per App. When the total is reached, a handshake of an
 * App holding fewer than the busiest App (by more than one) takes the busiest App's oldest slot: that handshake is
 * aborted, so one tenant cannot starve another. A refused handshake's ClientHello is dropped; the peer retransmits it
 * and is admitted when a slot frees. Any media loop: the methods synchronize (handshake starts are rare; packets never
 * come here).
 */
final class DtlsAdmission {
    /** Limits on handshakes running at once; see docs/configuration.md ({@code media.dtlsMaxHandshakes*}). */
    record Limits(int total, int perAddress, int perSession, int perApp) {}

    private final Limits limits;
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private final Map<Object, Integer> bySession = new HashMap<>();
    private final Map<Long, ArrayDeque<WebRtcTransport>> byApp = new HashMap<>();
    /** Volatile only so metrics may read it from another thread. */
    private volatile int total;

    DtlsAdmission(Limits limits) {
        this.limits = limits;
    }

    /** Null if {@code t} may start its handshake now (it holds a slot until {@link #release}), else why not. */
    synchronized String admit(WebRtcTransport t, InetAddress from, MediaCounters counters) {
        Object session = t.owner.observer().session();
        long app = t.owner.observer().appId();
        if (byAddress.getOrDefault(from, 0) >= limits.perAddress()) {
            return "too many DTLS handshakes from " + from.getHostAddress() + " (limit " + limits.perAddress() + ")";
        }
        if (bySession.getOrDefault(session, 0) >= limits.perSession()) {
            return "too many DTLS handshakes of one session (limit " + limits.perSession() + ")";
        }
        ArrayDeque<WebRtcTransport> mine = byApp.get(app);
        int appCount = mine == null ? 0 : mine.size();
        if (appCount >= limits.perApp()) {
            return "too many DTLS handshakes of app " + app + " (limit " + limits.perApp() + ")";
        }
        if (total >= limits.total() && !preemptFor(appCount, counters)) {
            return "too many DTLS handshakes (limit " + limits.total() + ")";
        }
        t.admittedFrom = from;
        byAddress.merge(from, 1, Integer::sum);
        bySession.merge(session, 1, Integer::sum);
        byApp.computeIfAbsent(app, k -> new ArrayDeque<>()).addLast(t);
        total++;
        return null;
    }

    /** Frees {@code t}'s slot if it holds one; idempotent. */
    synchronized void release(WebRtcTransport t) {
        InetAddress from = t.admittedFrom;
        if (from == null) {
            return;
        }
        t.admittedFrom = null;
        byAddress.computeIfPresent(from, (k, n) -> n == 1 ? null : n - 1);
        bySession.computeIfPresent(t.owner.observer().session(), (k, n) -> n == 1 ? null : n - 1);
        long app = t.owner.observer().appId();
        ArrayDeque<WebRtcTransport> q = byApp.get(app);
        if (q != null) {
            q.remove(t);
            if (q.isEmpty()) {
                byApp.remove(app);
            }
        }
        total--;
    }

    /** Aborts the busiest App's oldest handshake if that App holds more than {@code appCount + 1}; true if done. */
    private boolean preemptFor(int appCount, MediaCounters counters) {
        ArrayDeque<WebRtcTransport> busiest = null;
        for (ArrayDeque<WebRtcTransport> q : byApp.values()) {
            if (busiest == null || q.size() > busiest.size()) {
                busiest = q;
            }
        }
        if (busiest == null || busiest.size() <= appCount + 1) {
            return false;
        }
        WebRtcTransport victim = busiest.peekFirst();
        release(victim);
        counters.dtlsPreempted.increment();
        String why = "DTLS handshake aborted: its app holds " + (busiest.size() + 1)
                + " of the server's " + limits.total() + " handshake slots and another app needs one";
        victim.shard.execute(() -> victim.preempted(why)); // the victim's state lives on its own media loop
        return true;
    }

    int running() {
        return total;
    }
}
