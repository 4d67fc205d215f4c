package io.parley.server.bridge;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.parley.protocol.StreamId;
import io.parley.server.auth.StreamKeys;
import io.parley.server.rtmp.Decision;
import io.parley.server.rtmp.EndReason;
import io.parley.server.rtmp.Form;
import io.parley.server.rtmp.LiveEvent;
import io.parley.server.rtmp.LiveStreams;
import io.parley.server.rtmp.LocalPublisher;
import io.parley.server.rtmp.LocalSubscription;
import io.parley.server.rtmp.PlayRequest;
import io.parley.server.rtmp.PublishRequest;
import io.parley.server.rtmp.Refusal;
import io.parley.server.rtmp.RtmpGate;
import io.parley.server.rtmp.StreamKey;
import io.parley.server.rtmp.Subscriber;
import io.parley.server.room.EdgeRooms;
import io.parley.server.room.PublishedStream;
import io.parley.server.room.RemoteMedia;
import io.parley.server.room.Session;
import io.parley.server.sfu.Consumer;
import io.parley.server.sfu.LocalProducer;
import io.parley.server.sfu.MediaObserver;
import io.parley.server.sfu.MediaPlane;
import io.parley.transcode.TranscodePool;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the RTMP/HTTP-FLV edge to rooms and the SFU. As the {@link RtmpGate} it admits a push or play only with a
 * URL key minted for a session that is still in its room and still publishes (or plays) that stream. As the
 * {@link LiveEvent.Listener} it turns the edge's events into room state (PUBLISHING and the stream's ADD when the
 * push sends media; PLAYING; NO_PUBLISH / NO_PLAY when connections end) and runs the transcoders only while
 * somebody plays the other form: AAC→Opus into an in-process Producer while an RTMP stream has WebRTC players,
 * Opus→AAC into the hub while a WebRTC stream has RTMP/FLV players (one transcoder per stream). As
 * {@link RemoteMedia} it mints the URLs and ends connections when a session stops. Thread-safe; live events arrive
 * in order on one executor.
 */
public final class RtmpBridge implements RtmpGate, LiveEvent.Listener, RemoteMedia {
    private static final Logger log = LoggerFactory.getLogger(RtmpBridge.class);
    /** The RTMP application and HTTP path segment of every Parley push and play URL. */
    public static final String APP = "live";

    private record PushBinding(Session session, PublishedStream stream) {}

    private record PlayBinding(Session session, PublishedStream stream) {}

    private record PlayerKey(long sessionId, StreamKey stream) {}

    /** An RTMP stream with media: its in-process Producer and, while it has WebRTC players, its AAC→Opus feed. */
    private final class Ingest {
        final PushBinding binding;
        final StreamKey key;
        final LocalProducer producer;
        final long ssrc = ThreadLocalRandom.current().nextLong(1, 1L << 32);
        AacToOpusFeed feed; // guarded by this
        LocalSubscription subscription; // guarded by this
        boolean closed; // guarded by this
        long bytesBefore;

        Ingest(PushBinding binding, StreamKey key) {
            this.binding = binding;
            this.key = key;
            this.producer = media.createLocalProducer(key.streamId(), ssrc, MediaObserver.NONE);
        }

        /** Media loop: the Producer's Consumer count changed. */
        synchronized void webRtcPlayers(int n) {
            if (n > 0 && feed == null && !closed) {
                feed = new AacToOpusFeed(producer, ssrc, pool, key.toString());
                subscription = hub.subscribeLocal(key, feed);
                log.debug("stream {}: AAC->Opus started ({} WebRTC players)", key, n);
            } else if (n == 0 && feed != null) {
                stopFeed();
                log.debug("stream {}: AAC->Opus stopped (no WebRTC player)", key);
            }
        }

        synchronized void close() {
            closed = true;
            stopFeed();
            producer.close();
        }

        private void stopFeed() {
            if (feed != null) {
                subscription.close();
                feed.close();
                feed = null;
                subscription = null;
            }
        }
    }

    /** A WebRTC stream with RTMP/FLV players: its in-process Consumer and the Opus→AAC feed publishing into the hub. */
    private record Egress(Consumer consumer, OpusToAacFeed feed) {}

    private static final class Player {
        final Subscriber subscriber;
        final PlayBinding binding;
        long bytesBefore;

        Player(Subscriber subscriber, PlayBinding binding) {
            this.subscriber = subscriber;
            this.binding = binding;
        }
    }

    private final StreamKeys keys;
    private final EdgeRooms rooms;
    private final MediaPlane media;
    private final TranscodePool pool;
    private volatile String rtmpBase = "rtmp://127.0.0.1:1935";
    private volatile String flvBase = "http://127.0.0.1:8080";
    private volatile LiveStreams hub;
    private final ConcurrentHashMap<StreamKey, Ingest> ingests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<StreamKey, Egress> egresses = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<PlayerKey, Player> players = new ConcurrentHashMap<>();

    /** The hub and the URL bases come later ({@link #attach}): the hub needs this bridge as its listener. */
    public RtmpBridge(StreamKeys keys, EdgeRooms rooms, MediaPlane media, TranscodePool pool) {
        this.keys = keys;
        this.rooms = rooms;
        this.media = media;
        this.pool = pool;
    }

    /**
     * {@code rtmpBase}: {@code rtmp://host:port} of push and RTMP play URLs; {@code flvBase}: {@code http(s)://host:port}
     * of HTTP-FLV URLs (known once the listeners are bound).
     */
    public void attach(LiveStreams hub, String rtmpBase, String flvBase) {
        this.hub = hub;
        this.rtmpBase = rtmpBase;
        this.flvBase = flvBase;
    }

    // ---- RemoteMedia: URLs for sessions, and ending their connections ----

    @Override
    public Url publishUrl(Session s, StreamId stream) {
        String key = keys.mint(StreamKeys.Kind.PUBLISH, s.appId(), s.room().id().value(), s.userId().value(),
                stream.value(), s.id());
        return new Url(rtmpBase + "/" + APP + "/" + stream.value() + "?key=" + key, expiry());
    }

    @Override
    public Url playUrl(Session s, StreamId stream, String transport) {
        String key = keys.mint(StreamKeys.Kind.PLAY, s.appId(), s.room().id().value(), s.userId().value(),
                stream.value(), s.id());
        String url = transport.equals("flv") ? flvBase + "/" + APP + "/" + stream.value() + ".flv?key=" + key
                : rtmpBase + "/" + APP + "/" + stream.value() + "?key=" + key;
        return new Url(url, expiry());
    }

    private long expiry() {
        return System.currentTimeMillis() + keys.ttl().toMillis();
    }

    @Override
    public void closePublish(long appId, StreamId stream) {
        LiveStreams h = hub;
        if (h != null) {
            h.closeStream(new StreamKey(appId, stream.value()));
        }
    }

    @Override
    public void closePlayer(Session s, StreamId stream) {
        Player p = players.remove(new PlayerKey(s.id(), new StreamKey(s.appId(), stream.value())));
        if (p != null) {
            p.subscriber.close();
        }
    }

    // ---- RtmpGate ----

    @Override
    public CompletionStage<Decision> authorizePublish(PublishRequest req) {
        return admit(req.app(), req.query(), StreamKeys.Kind.PUBLISH, req.streamName(), (s, key) ->
                rooms.pendingPush(s, new StreamId(key.streamId())).thenApply(st -> st == null
                        ? Decision.refuse(Refusal.FORBIDDEN, "stream " + key.streamId()
                                + " is not waiting for this push (stopped, or pushed already)")
                        : Decision.accept(key, new PushBinding(s, st))));
    }

    @Override
    public CompletionStage<Decision> authorizePlay(PlayRequest req) {
        return admit(req.app(), req.query(), StreamKeys.Kind.PLAY, req.streamName(), (s, key) ->
                rooms.playable(s, new StreamId(key.streamId())).thenApply(st -> st == null
                        ? Decision.refuse(Refusal.NOT_FOUND, "stream " + key.streamId() + " is not playable by this"
                                + " session (stopPlaying was called, or the stream ended)")
                        // A WebRTC stream goes live in the hub when its Opus->AAC feed starts, right after this joins.
                        : Decision.acceptAndWait(key, new PlayBinding(s, st))));
    }

    /** The key checked, then the session it names still in its room, then {@code then} decides on the room's loop. */
    private CompletionStage<Decision> admit(String app, String query, StreamKeys.Kind kind, String name,
                                            BiFunction<Session, StreamKey, CompletionStage<Decision>> then) {
        StreamKeys.Grant g;
        try {
            g = check(app, query, kind, name);
        } catch (StreamKeys.RefusedException e) {
            return refuse(Refusal.BAD_KEY, e.getMessage());
        }
        Session s = rooms.session(g.appId(), g.userId(), g.sessionId(), g.roomId());
        if (s == null) {
            return refuse(Refusal.FORBIDDEN, "the session this URL was made for has left its room");
        }
        return then.apply(s, new StreamKey(g.appId(), g.streamId()));
    }

    private StreamKeys.Grant check(String app, String query, StreamKeys.Kind kind, String name) {
        if (!APP.equals(app)) {
            throw new StreamKeys.RefusedException(StreamKeys.Refusal.MALFORMED);
        }
        return keys.verify(param(query, "key"), kind, name);
    }

    /** The first value of {@code name} in a URL query (Netty's decoder), or null when absent or malformed. */
    static String param(String query, String name) {
        if (query == null) {
            return null;
        }
        try {
            List<String> values = new QueryStringDecoder(query, false).parameters().get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static CompletionStage<Decision> refuse(Refusal code, String why) {
        return CompletableFuture.completedFuture(Decision.refuse(code, why));
    }

    // ---- live events (in order, one at a time) ----

    @Override
    public void onEvent(LiveEvent e) {
        if (e instanceof LiveEvent.PublisherMediaStarted started) {
            pushLive(started);
        } else if (e instanceof LiveEvent.PublishEnded ended) {
            pushEnded(ended);
        } else if (e instanceof LiveEvent.SubscriberJoined joined) {
            playerJoined(joined);
        } else if (e instanceof LiveEvent.SubscriberPlaying playing) {
            playerPlaying(playing);
        } else if (e instanceof LiveEvent.SubscriberLeft left) {
            playerLeft(left);
        }
    }

    private void pushLive(LiveEvent.PublisherMediaStarted e) {
        if (!(e.session().attachment() instanceof PushBinding b)) {
            return; // our own Opus->AAC publisher
        }
        Ingest in = new Ingest(b, e.key());
        Ingest old = ingests.put(e.key(), in);
        if (old != null) {
            old.close();
        }
        rooms.pushLive(b.stream(), in.producer.producer()).whenComplete((ok, err) -> {
            if (err != null || !Boolean.TRUE.equals(ok)) {
                log.info("stream {}: push ended, the stream was stopped before its media arrived", e.key());
                e.session().close();
                return;
            }
            in.producer.onConsumers(in::webRtcPlayers);
        });
    }

    private void pushEnded(LiveEvent.PublishEnded e) {
        if (!(e.session().attachment() instanceof PushBinding b)) {
            return;
        }
        Ingest in = ingests.get(e.key());
        if (in != null && in.binding == b) {
            ingests.remove(e.key(), in);
            in.close();
        }
        if (e.reason() != EndReason.KICKED) {
            log.info("stream {}: RTMP push ended ({}) app={} user={}", e.key(), e.reason(), e.key().appId(),
                    b.session().userId());
            rooms.pushEnded(b.stream());
        }
    }

    private void playerJoined(LiveEvent.SubscriberJoined e) {
        if (!(e.subscriber().attachment() instanceof PlayBinding b)) {
            return; // an in-process listener (our AAC->Opus feed)
        }
        Player old = players.put(new PlayerKey(b.session().id(), e.key()), new Player(e.subscriber(), b));
        if (old != null && old.subscriber != e.subscriber()) {
            old.subscriber.close(); // the same session plays again: the newer connection wins
        }
        if (!b.stream().rtmp() && !egresses.containsKey(e.key()) && b.stream().producer() != null) {
            startEgress(e.key(), b.stream());
        }
    }

    private void startEgress(StreamKey key, PublishedStream st) {
        LocalPublisher publisher;
        try {
            publisher = hub.openLocalPublisher(key, null);
        } catch (LiveStreams.StreamBusyException busy) {
            return;
        }
        OpusToAacFeed feed = new OpusToAacFeed(publisher, pool, key.toString());
        Consumer consumer = media.createLocalConsumer(st.producer(), feed, MediaObserver.NONE);
        egresses.put(key, new Egress(consumer, feed));
        log.debug("stream {}: Opus->AAC started", key);
    }

    private void playerPlaying(LiveEvent.SubscriberPlaying e) {
        if (e.subscriber().attachment() instanceof PlayBinding b) {
            rooms.playerState(b.session(), b.stream().id(), true);
        }
    }

    private void playerLeft(LiveEvent.SubscriberLeft e) {
        if (!(e.subscriber().attachment() instanceof PlayBinding b)) {
            return;
        }
        players.computeIfPresent(new PlayerKey(b.session().id(), e.key()),
                (k, p) -> p.subscriber == e.subscriber() ? null : p);
        if (e.reason() != EndReason.KICKED) {
            rooms.playerState(b.session(), b.stream().id(), false);
        }
        LiveStreams h = hub;
        if (h.subscribers(e.key(), Form.FLV) + h.subscribers(e.key(), Form.RTMP) == 0) {
            Egress eg = egresses.remove(e.key());
            if (eg != null) {
                media.close(eg.consumer());
                eg.feed().close();
                log.debug("stream {}: Opus->AAC stopped (no RTMP/FLV player)", e.key());
            }
        }
    }

    /** publishQualityUpdate / playQualityUpdate for RTMP publishers and RTMP/FLV players: the bitrate over the period. */
    public void reportQuality(double periodSeconds) {
        LiveStreams h = hub;
        for (Ingest in : ingests.values()) {
            var publisher = h == null ? null : h.publisher(in.key);
            if (publisher == null) {
                continue;
            }
            long bytes = publisher.bytesIn();
            double kbps = (bytes - in.bytesBefore) * 8 / periodSeconds / 1000.0;
            in.bytesBefore = bytes;
            rooms.quality(in.binding.session(), true, in.key.streamId(), kbps);
        }
        for (Player p : players.values()) {
            long bytes = p.subscriber.bytesOut();
            double kbps = (bytes - p.bytesBefore) * 8 / periodSeconds / 1000.0;
            p.bytesBefore = bytes;
            rooms.quality(p.binding.session(), false, p.binding.stream().id().value(), kbps);
        }
    }

    /** Ends every bridge (shutdown). */
    public void close() {
        ingests.values().forEach(Ingest::close);
        ingests.clear();
        egresses.values().forEach(eg -> {
            media.close(eg.consumer());
            eg.feed().close();
        });
        egresses.clear();
    }
}
