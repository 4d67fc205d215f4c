package io.parley.client;

import io.parley.client.media.MediaConfig;
import io.parley.client.media.MediaSession;
import io.parley.client.media.PacketListener;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.protocol.signal.Messages;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The engine's media transports by streamID: opens one per publish or play, runs the offer/answer through the
 * signalling request it is given, and closes them when asked, when the server says the stream ended, or when
 * the session ends. Failures become {@link ResultException}s with the server's code or the media code.
 */
final class MediaStreams {
    static final int PUBLISH_MEDIA_FAILED = 1103028;
    static final int PLAY_MEDIA_FAILED = 1104028;

    private final Map<String, Publisher> publishers = new ConcurrentHashMap<>();
    private final Map<String, Player> players = new ConcurrentHashMap<>();
    private volatile MediaConfig config = MediaConfig.DEFAULTS;
    private volatile boolean bundle;
    /** The session's one transport when bundling; guarded by this. */
    private CompletableFuture<MediaSession> session;

    void config(MediaConfig c) {
        config = Objects.requireNonNull(c, "config");
    }

    void bundle(boolean on) {
        bundle = on;
    }

    boolean bundle() {
        return bundle;
    }

    /** The session's transport: opened at the first bundled stream, again after it closed. */
    private synchronized CompletableFuture<MediaSession> session() {
        CompletableFuture<MediaSession> s = session;
        if (s == null || s.isCompletedExceptionally() || (s.isDone() && s.join().isClosed())) {
            s = MediaSession.open(config, "session");
            session = s;
        }
        return s;
    }

    /** Publishes on the session's one transport (BUNDLE): {@code request} sends the offer with the section's mid. */
    CompletableFuture<Publisher> publishBundled(String streamID,
            BiFunction<String, String, CompletableFuture<Result>> request) {
        return session().thenCompose(ms -> asResult(ms.publish(streamID, (offer, mid) -> answer(request.apply(offer, mid)))
                .thenApply(p -> registered(publishers, streamID, p, p.closed())), null, PUBLISH_MEDIA_FAILED));
    }

    CompletableFuture<Player> playBundled(String streamID, PacketListener listener,
            BiFunction<String, String, CompletableFuture<Result>> request) {
        return session().thenCompose(ms -> asResult(ms.play(streamID, listener,
                (offer, mid) -> answer(request.apply(offer, mid)))
                .thenApply(p -> registered(players, streamID, p, p.closed())), null, PLAY_MEDIA_FAILED));
    }

    /**
     * Stops a bundled stream: removes its section and sends the stop request with the renegotiated offer; completes
     * with the server's response. Null when {@code streamID} is not a bundled stream of this client.
     */
    CompletableFuture<Result> stopBundled(String streamID, boolean publishing,
            Function<String, CompletableFuture<Result>> request) {
        Object stream = publishing ? publishers.get(streamID) : players.get(streamID);
        boolean bundled = stream instanceof Publisher p ? p.isBundled() : stream instanceof Player pl && pl.isBundled();
        CompletableFuture<MediaSession> s;
        synchronized (this) {
            s = session;
        }
        if (!bundled || s == null || !s.isDone() || s.isCompletedExceptionally()) {
            return null;
        }
        (publishing ? publishers : players).remove(streamID, stream);
        Result[] response = new Result[1];
        return s.join().remove(stream, offer -> request.apply(offer).thenApply(r -> {
            response[0] = r;
            return r.ok() ? r.data().path("sdp").asText("") : null;
        })).thenApply(answer -> response[0]);
    }

    private static CompletableFuture<String> answer(CompletableFuture<Result> response) {
        return response.thenApply(r -> {
            if (!r.ok()) {
                throw new ResultException(r);
            }
            return r.data().path("sdp").asText("");
        });
    }

    private static <T> T registered(Map<String, T> map, String streamID, T media, CompletableFuture<String> closed) {
        map.put(streamID, media);
        closed.thenRun(() -> map.remove(streamID, media));
        return media;
    }

    /** The m= sections the session transport's offers carry (0 without one). */
    int sectionCount() {
        CompletableFuture<MediaSession> s;
        synchronized (this) {
            s = session;
        }
        return s != null && s.isDone() && !s.isCompletedExceptionally() ? s.join().sectionCount() : 0;
    }

    /** A bundled stream the server ended: its section goes (port 0 in the next offer). */
    private void ended(Object stream) {
        CompletableFuture<MediaSession> s;
        synchronized (this) {
            s = session;
        }
        if (s != null && s.isDone() && !s.isCompletedExceptionally()) {
            s.join().ended(stream);
        }
    }

    /** {@code request} sends the signalling request with the offer and completes with its response. */
    CompletableFuture<Publisher> publish(String streamID, Function<String, CompletableFuture<Result>> request) {
        return Publisher.create(streamID, config).thenCompose(p -> asResult(request.apply(p.offer()).thenCompose(r -> {
            answered(r, publishers, streamID, p, p.closed());
            return p.connect(r.data().path("sdp").asText(""));
        }), p, PUBLISH_MEDIA_FAILED));
    }

    CompletableFuture<Player> play(String streamID, PacketListener listener,
            Function<String, CompletableFuture<Result>> request) {
        return Player.create(streamID, config, listener).thenCompose(p -> asResult(request.apply(p.offer())
                .thenCompose(r -> {
                    answered(r, players, streamID, p, p.closed());
                    return p.connect(r.data().path("sdp").asText(""));
                }), p, PLAY_MEDIA_FAILED));
    }

    Publisher publisher(String streamID) {
        return publishers.get(streamID);
    }

    Player player(String streamID) {
        return players.get(streamID);
    }

    void stopPublishing(String streamID) {
        Publisher p = publishers.remove(streamID);
        if (p != null && p.isBundled()) {
            ended(p);
        }
        closeQuietly(p);
    }

    void stopPlaying(String streamID) {
        Player p = players.remove(streamID);
        if (p != null && p.isBundled()) {
            ended(p);
        }
        closeQuietly(p);
    }

    /** NO_PUBLISH: the server closed its side of the transport, so ours goes too. */
    void onPublisherState(Messages.PublisherStateUpdate u) {
        if ("NO_PUBLISH".equals(u.state())) {
            stopPublishing(u.streamID());
        }
    }

    /** NO_PLAY: the transport failed or the stream ended (publisher_stopped). */
    void onPlayerState(Messages.PlayerStateUpdate u) {
        if ("NO_PLAY".equals(u.state())) {
            stopPlaying(u.streamID());
        }
    }

    void closeAll() {
        CompletableFuture<MediaSession> s;
        synchronized (this) {
            s = session;
            session = null;
        }
        if (s != null) {
            s.thenAccept(MediaSession::close);
        }
        publishers.values().forEach(MediaStreams::closeQuietly);
        players.values().forEach(MediaStreams::closeQuietly);
        publishers.clear();
        players.clear();
    }

    private static <T extends AutoCloseable> void answered(Result r, Map<String, T> map, String streamID, T media,
            CompletableFuture<String> closed) {
        if (!r.ok()) {
            throw new ResultException(r);
        }
        T old = map.put(streamID, media);
        if (old != null && old != media) {
            closeQuietly(old);
        }
        closed.thenRun(() -> map.remove(streamID, media));
    }

    /** Closes the transport on any failure and reports it as a Result: the server's, or {@code mediaCode}. */
    private static <T> CompletableFuture<T> asResult(CompletableFuture<T> f, AutoCloseable media, int mediaCode) {
        return f.handle((v, e) -> {
            if (e == null) {
                return v;
            }
            closeQuietly(media);
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ResultException re) {
                throw re;
            }
            throw new ResultException(mediaCode, String.valueOf(cause.getMessage()), cause);
        });
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // transports close asynchronously and do not throw
        }
    }
}
