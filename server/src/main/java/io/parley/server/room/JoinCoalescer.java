package io.parley.server.room;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Gathers a room's joins for a short window so that each member hears of a burst of joins in one
 * {@code roomUserUpdate} instead of one per join (the fan-out of N joins to M members costs M pushes per window, not
 * N × M). Anything else the room fans out flushes the pending joins first ({@link #flush}), so every member still
 * sees the room's notifications in the order the room decided them. Used on the room's loop only.
 */
final class JoinCoalescer {
    /** A batch never lists more users than this (a bounded frame); a full batch goes out at once. */
    static final int MAX_BATCH = 100;

    private final EventLoop loop;
    private final long windowNanos;
    private final Consumer<List<Member>> announce;
    private final List<Member> pending = new ArrayList<>();
    private ScheduledFuture<?> timer;

    JoinCoalescer(EventLoop loop, Duration window, Consumer<List<Member>> announce) {
        this.loop = loop;
        this.windowNanos = window.toNanos();
        this.announce = announce;
    }

    /** A member joined: announced at the end of the window (at once when the window is 0 or the batch is full). */
    void joined(Member m) {
        pending.add(m);
        if (windowNanos == 0 || pending.size() >= MAX_BATCH || loop == null) {
            flush();
        } else if (timer == null) {
            timer = loop.schedule(this::flush, windowNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Announces the pending joins now, if there are any. */
    void flush() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (pending.isEmpty()) {
            return;
        }
        List<Member> batch = new ArrayList<>(pending);
        pending.clear();
        announce.accept(batch);
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }
}
