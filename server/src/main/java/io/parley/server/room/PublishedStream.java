package io.parley.server.room;

import io.parley.protocol.StreamId;
import io.parley.protocol.signal.Messages;
import io.parley.server.sfu.Producer;

/** A published streamID: claimed AppID-wide first, then added to its room on the room's loop. */
public final class PublishedStream {
    final StreamId id;
    final Session publisher;
    final Messages.User user;
    /** Changed by setStreamExtraInfo, on the room's loop. */
    String extraInfo;
    /** The publisher's microphone is muted (mutePublishStreamAudio); room loop only. */
    boolean micMuted;
    /** Pushed over RTMP: in the room (announced) only while the RTMP publish sends media. */
    final boolean rtmp;
    final long createdAtMillis = System.currentTimeMillis();
    /**
     * Its media source (with no transport when published without an SDP offer); set before the room sees it. An
     * RTMP stream's is the bridge's in-process Producer, set while it is live and null while it waits for its push.
     */
    Producer producer;

    PublishedStream(StreamId id, Session publisher, Messages.User user, String extraInfo, boolean rtmp) {
        this.id = id;
        this.publisher = publisher;
        this.user = user;
        this.extraInfo = extraInfo;
        this.rtmp = rtmp;
    }

    public boolean rtmp() {
        return rtmp;
    }

    /** The Producer while the stream has one (WebRTC streams always; RTMP streams while live), else null. */
    public Producer producer() {
        return producer;
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
