package io.parley.server.rtmp;

import java.util.Objects;

/** Which live stream: an App and its streamID. The gate makes these; the hub only compares them. */
public record StreamKey(long appId, String streamId) {
    public StreamKey {
        Objects.requireNonNull(streamId, "streamId");
    }

    @Override
    public String toString() {
        return appId + "/" + streamId;
    }
}
