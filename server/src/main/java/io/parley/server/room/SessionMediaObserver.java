package io.parley.server.room;

import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.media.MediaObserver;

/** Turns a Producer's or Consumer's events into pushes to its session (called on the media loop). */
final class SessionMediaObserver implements MediaObserver {
    private final Session session;
    private final String streamId;
    private final boolean publisher;
    private final Runnable onEnded;

    SessionMediaObserver(Session session, String streamId, boolean publisher, Runnable onEnded) {
        this.session = session;
        this.streamId = streamId;
        this.publisher = publisher;
        this.onEnded = onEnded;
    }

    @Override
    public void state(String state, int errorCode, String extendedData) {
        Object data = publisher
                ? new Messages.PublisherStateUpdate(streamId, state, errorCode, extendedData)
                : new Messages.PlayerStateUpdate(streamId, state, errorCode, extendedData);
        session.send(SignalCodec.push(publisher ? Messages.PUBLISHER_STATE_UPDATE : Messages.PLAYER_STATE_UPDATE, data));
    }

    @Override
    public void quality(Messages.MediaStats stats) {
        session.send(SignalCodec.push(publisher ? Messages.PUBLISH_QUALITY_UPDATE : Messages.PLAY_QUALITY_UPDATE,
                new Messages.QualityUpdate(streamId, stats)));
    }

    @Override
    public String who() {
        return session + " stream=" + streamId;
    }

    @Override
    public void ended(int errorCode, String why) {
        onEnded.run();
    }
}
