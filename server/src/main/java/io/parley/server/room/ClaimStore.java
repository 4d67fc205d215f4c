package io.parley.server.room;

import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import java.util.concurrent.CompletionStage;

/**
 * The AppID-wide claims the registry rules (docs/architecture.md) rest on: a userID is in one place at a time (a later login
 * wins) and a streamID has one publisher (the first wins). Asynchronous, so that a cluster store (Redis) fits
 * behind it; the embedded store ({@link EmbeddedClaimStore}) answers at once, and callers then carry on on the
 * same thread exactly as before the seam existed. Any thread.
 */
public interface ClaimStore {
    /** Who holds a claim: {@code local} is the holder when it lives on this node (else null), {@code node} names the node. */
    record Holder<T>(T local, String node) {}

    /**
     * Claims {@code user} for {@code session}; a later claim wins. Completes with the previous holder, who must be
     * kicked, or null when there was none (or it was this session).
     */
    CompletionStage<Holder<Session>> claimUser(long appId, UserId user, Session session);

    /** Releases the claim if {@code session} still holds it; completes with whether it did. */
    CompletionStage<Boolean> releaseUser(long appId, UserId user, Session session);

    /** Claims {@code stream} for {@code st}; the first claim wins. Completes with the holder: {@code st} if it won. */
    CompletionStage<Holder<PublishedStream>> claimStream(long appId, StreamId stream, PublishedStream st);

    /** Releases the claim if {@code st} still holds it; completes with whether it did. */
    CompletionStage<Boolean> releaseStream(long appId, StreamId stream, PublishedStream st);
}
