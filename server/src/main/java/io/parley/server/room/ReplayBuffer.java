package io.parley.server.room;

import io.parley.protocol.signal.Messages;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * A session's reliable pushes, numbered 1, 2, 3… ({@code seq} on the wire), of which the newest {@code capacity}
 * are kept so that a client that lost its connection can be sent what it missed, in order, once. The client's
 * heartbeat {@code ack} lets go of what it already handled. Not thread-safe: its {@link Session} guards it.
 * Quality updates and the online count are not numbered (each is superseded by the next; replaying stale ones helps
 * nobody: a resumed session is sent its rooms' counts afresh).
 */
final class ReplayBuffer {
    record Entry(long seq, Signal signal) {}

    private final int capacity;
    private final ArrayDeque<Entry> held = new ArrayDeque<>();
    private long lastSeq;
    /** Entries the client acknowledged leave quietly; one evicted by capacity is a push a client may have missed. */
    private long evictedUpTo;

    ReplayBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    /**
     * True for the signals that get a seq and may be replayed: every push except the periodic ones that the next
     * supersedes (quality updates, the online count).
     */
    static boolean sequenced(Signal s) {
        Signal.Push p = s instanceof Signal.Shared sh ? sh.push() : s instanceof Signal.Push q ? q : null;
        return p != null && !(p instanceof Signal.PublishQualityUpdate) && !(p instanceof Signal.PlayQualityUpdate)
                && !(p instanceof Signal.RoomNotice n && Messages.ROOM_ONLINE_USER_COUNT_UPDATE.equals(n.type()));
    }

    /** Numbers and keeps {@code s}; returns its seq. */
    long append(Signal s) {
        long seq = ++lastSeq;
        if (held.size() == capacity) {
            evictedUpTo = held.removeFirst().seq();
        }
        held.addLast(new Entry(seq, s));
        return seq;
    }

    /** The client handled everything up to {@code seq}: those entries are not needed again. */
    void ack(long seq) {
        while (!held.isEmpty() && held.peekFirst().seq() <= seq) {
            held.removeFirst();
        }
    }

    long lastSeq() {
        return lastSeq;
    }

    int size() {
        return held.size();
    }

    /**
     * What a client that handled everything up to {@code clientSeq} missed, oldest first; null when some of it was
     * evicted (the client must log in again). {@code clientSeq} beyond {@link #lastSeq} is the caller's to refuse.
     */
    List<Entry> since(long clientSeq) {
        if (clientSeq < evictedUpTo) {
            return null;
        }
        List<Entry> out = new ArrayList<>();
        for (Iterator<Entry> it = held.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.seq() <= clientSeq) {
                break;
            }
            out.add(e);
        }
        if (clientSeq < lastSeq && (out.isEmpty() || out.get(out.size() - 1).seq() != clientSeq + 1)) {
            return null; // acknowledged entries are gone, yet the client says it has not seen them
        }
        Collections.reverse(out);
        return out;
    }
}
