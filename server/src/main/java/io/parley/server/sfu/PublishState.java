package io.parley.server.sfu;

/** A publisher's media state, as its client is told it (publisherStateUpdate.state). */
public enum PublishState { PUBLISH_REQUESTING, PUBLISHING, NO_PUBLISH }
