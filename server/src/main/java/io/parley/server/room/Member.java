package io.parley.server.room;

import io.parley.protocol.StreamId;
import io.parley.protocol.signal.Messages;
import io.parley.server.sfu.Consumer;
import java.util.LinkedHashMap;
import java.util.Map;

/** A logged-in user in a room; touched only on the room's loop. */
final class Member {
    final Session session;
    final Messages.User user;
    final boolean userUpdate;
    /** Among the room's first limits.userUpdateLimit members present: it sends and gets roomUserUpdate (500 rule). */
    boolean listed;
    final long joinedAtMillis = System.currentTimeMillis();
    final Map<StreamId, PublishedStream> streams = new LinkedHashMap<>();
    final Map<StreamId, Consumer> playing = new LinkedHashMap<>();
    /** Streams played over RTMP or HTTP-FLV, with the transport; kept until stopPlaying or the stream's end. */
    final Map<StreamId, String> remotePlaying = new LinkedHashMap<>();
    /** Message budgets, from its first message on (Messaging). */
    Messaging.SenderRates rates;

    Member(Session session, Messages.User user, boolean userUpdate) {
        this.session = session;
        this.user = user;
        this.userUpdate = userUpdate;
    }

    /** Plays {@code id} over WebRTC, RTMP or HTTP-FLV. */
    boolean plays(StreamId id) {
        return playing.containsKey(id) || remotePlaying.containsKey(id);
    }
}
