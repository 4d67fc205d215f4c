package io.parley.server.room;

import io.parley.protocol.StreamId;
import io.parley.protocol.signal.Messages;
import io.parley.server.sfu.Producer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The rooms as the RTMP/HTTP-FLV edge needs them: who may push or play a stream now, and what its connections did.
 * Every answer is decided on the room's loop. Any thread.
 */
public final class EdgeRooms {
    private final RoomService rooms;

    public EdgeRooms(RoomService rooms) {
        this.rooms = rooms;
    }

    /** The session named by a URL key, if it is still logged in to that room; else null. */
    public Session session(long appId, String userId, long sessionId, String roomId) {
        AppSpace app = rooms.app(appId);
        Session s = app == null ? null : app.sessionOf(userId);
        Room room = s == null ? null : s.room;
        if (s == null || s.id() != sessionId || s.state() != Session.State.IN_ROOM || room == null
                || !room.id().value().equals(roomId)) {
            return null;
        }
        return s;
    }

    /** The session's RTMP stream waiting for its push, or null (stopped, already live, or the session left). */
    public CompletionStage<PublishedStream> pendingPush(Session s, StreamId stream) {
        return onRoom(s, room -> room.pendingRtmpStream(s, stream));
    }

    /** The push sends media: the stream joins its room with {@code producer}; false if it was stopped meanwhile. */
    public CompletionStage<Boolean> pushLive(PublishedStream st, Producer producer) {
        return onRoom(st.publisher, room -> room.rtmpLive(st, producer));
    }

    /** The push connection ended without stopPublishing. */
    public void pushEnded(PublishedStream st) {
        Room room = st.publisher.room;
        if (room != null) {
            room.execute(() -> room.rtmpEnded(st));
        }
    }

    /** The stream the session may play over RTMP/FLV now (it asked, and the stream is in its room), or null. */
    public CompletionStage<PublishedStream> playable(Session s, StreamId stream) {
        return onRoom(s, room -> room.remotePlayable(s, stream));
    }

    /** A remote player's connection got its first media ({@code playing}) or ended. */
    public void playerState(Session s, StreamId stream, boolean playing) {
        Room room = s.room;
        if (room != null) {
            room.execute(() -> room.remotePlayerState(s, stream, playing));
        }
    }

    /** publishQualityUpdate / playQualityUpdate for an RTMP publisher or an RTMP/FLV player. */
    public void quality(Session s, boolean publish, String stream, double kbps) {
        Room room = s.room;
        Messages.QualityUpdate q = new Messages.QualityUpdate(room == null ? "" : room.id().value(), stream, new Messages.MediaStats(kbps, 0, 0, 0, 0, -1));
        s.send(publish ? new Signal.PublishQualityUpdate(q) : new Signal.PlayQualityUpdate(q));
    }

    private static <T> CompletionStage<T> onRoom(Session s, Function<Room, T> f) {
        Room room = s.room;
        CompletableFuture<T> out = new CompletableFuture<>();
        if (room == null) {
            out.complete(null);
            return out;
        }
        try {
            room.execute(() -> {
                try {
                    out.complete(f.apply(room));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            out.completeExceptionally(e);
        }
        return out;
    }
}
