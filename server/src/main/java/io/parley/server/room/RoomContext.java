package io.parley.server.room;

import io.parley.server.config.ParleyConfig;
import io.parley.server.sfu.MediaSessions;
import java.util.function.Supplier;

/** What every room of a node shares: its hooks, its listeners, the media plane, the registry seams and the limits. */
record RoomContext(RoomEvents events, RoomEvent.Listener listener, MediaSessions media, ClaimStore claims,
                   RoomDirectory directory, Supplier<RemoteMedia> remote, ParleyConfig.Limits limits,
                   ParleyConfig.RoomFeatures features) {
    RoomContext(RoomEvents events, RoomEvent.Listener listener, MediaSessions media, ClaimStore claims,
                RoomDirectory directory, Supplier<RemoteMedia> remote, ParleyConfig.Limits limits) {
        this(events, listener, media, claims, directory, remote, limits, ParleyConfig.RoomFeatures.DEFAULTS);
    }

    RoomContext(RoomEvents events, RoomEvent.Listener listener, MediaSessions media, ClaimStore claims,
                RoomDirectory directory, Supplier<RemoteMedia> remote) {
        this(events, listener, media, claims, directory, remote, ParleyConfig.Limits.DEFAULTS, ParleyConfig.RoomFeatures.DEFAULTS);
    }
}
