package io.parley.server.room;

import io.parley.protocol.signal.Messages;
import io.parley.server.sfu.MediaEvent;
import io.parley.server.sfu.MediaObserver;
import io.parley.server.sfu.MediaQuality;

/**
 * Takes a Producer's or Consumer's events off the media loop to the room's loop, where they become pushes to the
 * session (so nothing is encoded on the forwarding loop, and the session hears them in the room's order).
 */
final class SessionMediaObserver implements MediaObserver {
    private final Session session;
    private final Room room;
    private final String streamId;
    private final boolean publisher;
    private final Runnable onFailed;

    /** {@code onFailed} runs on the room's loop after the NO_PUBLISH/NO_PLAY push, when the media path failed. */
    SessionMediaObserver(Session session, Room room, String streamId, boolean publisher, Runnable onFailed) {
        this.session = session;
        this.room = room;
        this.streamId = streamId;
        this.publisher = publisher;
        this.onFailed = onFailed;
    }

    @Override
    public void onEvent(MediaEvent event) {
        room.execute(() -> handle(event));
    }

    private void handle(MediaEvent event) {
        // Java 17: no pattern switch yet; MediaEvent is sealed, so these four are all there are.
        if (event instanceof MediaEvent.PublisherStateChanged e) {
            session.send(new Signal.PublisherStateUpdate(room.id().value(), streamId, e.state(), e.errorCode(), e.reason(), e.detail()));
        } else if (event instanceof MediaEvent.PlayerStateChanged e) {
            session.send(new Signal.PlayerStateUpdate(room.id().value(), streamId, e.state(), e.errorCode(), e.reason(), e.detail()));
        } else if (event instanceof MediaEvent.QualityMeasured q) {
            Messages.QualityUpdate update = new Messages.QualityUpdate(room.id().value(), streamId, stats(q.quality()));
            session.send(publisher ? new Signal.PublishQualityUpdate(update) : new Signal.PlayQualityUpdate(update));
        } else if (event instanceof MediaEvent.Failed) {
            onFailed.run();
        }
    }

    static Messages.MediaStats stats(MediaQuality q) {
        return new Messages.MediaStats(round(q.kbps()), q.packets(), q.packetsLost(), round4(q.lossRate()),
                round(q.jitterMillis()), round(q.rttMillis()));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static double round4(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    @Override
    public long appId() {
        return session.appId();
    }

    @Override
    public Object session() {
        return session;
    }

    @Override
    public String who() {
        return session + " stream=" + streamId;
    }
}
