package io.parley.server.room;

import io.parley.server.sfu.MediaSessions;
import java.util.function.Supplier;

/** What every room of a node shares: its hooks, its listeners, the media plane and the registry seams. */
record RoomContext(RoomEvents events, RoomEvent.Listener listener, MediaSessions media, ClaimStore claims,
                   RoomDirectory directory, Supplier<RemoteMedia> remote) {}
