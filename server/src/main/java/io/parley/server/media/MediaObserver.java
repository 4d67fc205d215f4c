package io.parley.server.media;

import io.parley.protocol.signal.Messages;

/** How a Producer or Consumer tells its client what happens (the signalling layer implements it). Media loop. */
public interface MediaObserver {
    /** publisherStateUpdate / playerStateUpdate. */
    void state(String state, int errorCode, String extendedData);

    /** publishQualityUpdate / playQualityUpdate. */
    void quality(Messages.MediaStats stats);

    /** The media path failed or ended on its own (not by a signalling request); the owner must clean up. */
    void ended(int errorCode, String why);

    /** Names the app, room, user and stream for log lines. */
    default String who() {
        return "";
    }
}
