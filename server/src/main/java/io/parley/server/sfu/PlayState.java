package io.parley.server.sfu;

/** A player's media state, as its client is told it (playerStateUpdate.state). */
public enum PlayState { PLAY_REQUESTING, PLAYING, NO_PLAY }
