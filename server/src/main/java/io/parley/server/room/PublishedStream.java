package io.parley.server.room;

import io.parley.protocol.StreamId;
import io.parley.protocol.signal.Messages;
import io.parley.server.sfu.Producer;

/** A published streamID: claimed AppID-wide first, then added to its room on the room's loop. */
public final class PublishedStream {
    final StreamId id;
    final Session publisher;
    final Messages.User user;
    final String extraInfo;
    /** Its media source (with no transport when published without an SDP offer); set before the room sees it. */
    Producer producer;

    PublishedStream(StreamId id, Session publisher, Messages.User user, String extraInfo) {
        this.id = id;
        this.publisher = publisher;
        this.user = user;
        this.extraInfo = extraInfo;
    }

    public StreamId id() {
        return id;
    }

    public Session publisher() {
        return publisher;
    }

    Messages.StreamInfo info() {
        return new Messages.StreamInfo(id.value(), user, extraInfo);
    }
}
