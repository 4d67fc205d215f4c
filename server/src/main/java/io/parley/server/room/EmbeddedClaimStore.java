package io.parley.server.room;

import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The single-node {@link ClaimStore}: each App's {@code ConcurrentHashMap}s in {@link AppSpace}, changed only by
 * atomic {@code put}, {@code putIfAbsent} and {@code remove(key, value)}. Every stage it returns is already complete.
 */
final class EmbeddedClaimStore implements ClaimStore {
    private final String node;
    private final Map<Long, AppSpace> apps;

    EmbeddedClaimStore(String node, Map<Long, AppSpace> apps) {
        this.node = node;
        this.apps = apps;
    }

    private AppSpace app(long appId) {
        AppSpace a = apps.get(appId);
        if (a == null) {
            throw new IllegalArgumentException("appId " + appId + " is not configured (expected one of " + apps.keySet() + ")");
        }
        return a;
    }

    @Override
    public CompletionStage<Holder<Session>> claimUser(long appId, UserId user, Session session) {
        Session previous = app(appId).users.put(user, session);
        return CompletableFuture.completedFuture(previous == null || previous == session ? null : new Holder<>(previous, node));
    }

    @Override
    public CompletionStage<Boolean> releaseUser(long appId, UserId user, Session session) {
        return CompletableFuture.completedFuture(app(appId).users.remove(user, session));
    }

    @Override
    public CompletionStage<Holder<PublishedStream>> claimStream(long appId, StreamId stream, PublishedStream st) {
        PublishedStream prev = app(appId).streams.putIfAbsent(stream, st);
        return CompletableFuture.completedFuture(new Holder<>(prev == null ? st : prev, node));
    }

    @Override
    public CompletionStage<Boolean> releaseStream(long appId, StreamId stream, PublishedStream st) {
        return CompletableFuture.completedFuture(app(appId).streams.remove(stream, st));
    }
}
