package io.parley.loadtest;

import io.parley.client.ResultException;
import io.parley.protocol.signal.Messages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** The bots of a run, by index, by userID and by room, with who is in which room right now. */
final class Bots {
    /** Delayed actions (stopPublishing after the hold, forgetting old streams). */
    static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-scheduler");
        t.setDaemon(true);
        return t;
    });

    private final int roomSize;
    private final int count;
    private final AtomicReferenceArray<Bot> all;
    private final Map<String, Bot> byUser = new ConcurrentHashMap<>();
    private final AtomicIntegerArray members;

    Bots(int count, int roomSize) {
        this.count = count;
        this.roomSize = roomSize;
        this.all = new AtomicReferenceArray<>(count);
        this.members = new AtomicIntegerArray(rooms());
    }

    int rooms() {
        return (count + roomSize - 1) / roomSize;
    }

    int roomOf(int index) {
        return index / roomSize;
    }

    void put(Bot b) {
        all.set(b.index, b);
        byUser.put(b.userId, b);
    }

    Bot byUser(String userId) {
        return byUser.get(userId);
    }

    void entered(Bot b, long nanos) {
        b.lastEnteredAt = nanos;
        b.loggedInAt = nanos;
        members.incrementAndGet(b.room);
    }

    void left(Bot b) {
        if (b.loggedInAt != 0) {
            b.leftAt = System.nanoTime();
            b.loggedInAt = 0;
            members.decrementAndGet(b.room);
        }
    }

    int membersOf(int room) {
        return members.get(room);
    }

    /** A member of {@code room} that is in the room and not in the middle of something, or null. */
    Bot pickIdle(int room) {
        int from = room * roomSize;
        int to = Math.min(from + roomSize, count);
        int n = to - from;
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int k = 0; k < n; k++) {
            Bot b = all.get(from + (start + k) % n);
            if (b != null && b.inRoom() && !b.busy && !b.closing) {
                return b;
            }
        }
        return null;
    }

    /** Counts a drop or a kick the run did not ask for as an error. */
    static void watch(Bot b, Stats stats) {
        b.engine.setDisconnectedListener((status, reason) -> {
            if (!b.closing) {
                stats.error("disconnected: " + status + " " + reason);
                if (b.inRoom()) {
                    b.loggedInAt = 0;
                    stats.sessionDown();
                }
            }
        });
        b.engine.setRoomStateListener((roomID, reason, code, extended) -> {
            if ("KICKOUT".equals(reason)) {
                stats.error("KICKOUT " + code + " " + extended);
            }
        });
    }

    /** Closes every session cleanly (close frame: the server removes it at once); completes when all are closed. */
    CompletableFuture<Void> closeAll(Stats stats) {
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Bot b = all.get(i);
            if (b == null || b.closing) {
                continue;
            }
            b.closing = true;
            if (b.inRoom()) {
                left(b);
                stats.sessionDown();
            }
            b.engine.close();
            closing.add(b.engine.closed().exceptionally(e -> null));
        }
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }

    /** Token, connect, login (the media and RTMP scenarios' bots); completes with true once in the room (errors are counted). */
    static CompletableFuture<Boolean> enter(Bot b, Tokens tokens, Stats stats) {
        return tokens.token(b.userId, b.roomId).thenCompose(tok -> {
            long c0 = System.nanoTime();
            return b.engine.heartbeat().thenCompose(hb -> {
                stats.record(Stats.Timer.CONNECT, System.nanoTime() - c0);
                long sent = System.nanoTime();
                b.loginSentAt = sent;
                return b.engine.loginRoom(b.roomId, tok, b.user(), new Messages.RoomConfig(false, 0)).thenApply(r -> {
                    long now = System.nanoTime();
                    if (!r.ok()) {
                        throw new ResultException(r);
                    }
                    stats.record(Stats.Timer.LOGIN, now - sent);
                    stats.add(Stats.Counter.LOGINS);
                    stats.sessionUp();
                    b.loggedInAt = now;
                    return true;
                });
            });
        }).exceptionally(e -> {
            stats.add(Stats.Counter.LOGIN_FAILURES);
            stats.error("login " + b.roomId + ": " + Bots.cause(e));
            return false;
        });
    }

    static String cause(Throwable e) {
        Throwable c = e;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
}
