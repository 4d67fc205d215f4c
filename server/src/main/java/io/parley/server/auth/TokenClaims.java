package io.parley.server.auth;

import java.util.List;

/**
 * What a verified token grants, whatever its format. {@code roomId} null means any room;
 * {@code streamIds} null means any streamID.
 */
public record TokenClaims(long appId, String userId, String roomId, boolean canLogin, boolean canPublish,
                          List<String> streamIds, long expireEpochSeconds, String format) {

    public boolean mayPublish(String streamId) {
        return canPublish && (streamIds == null || streamIds.isEmpty() || streamIds.contains(streamId));
    }
}
