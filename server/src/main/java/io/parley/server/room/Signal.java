package io.parley.server.room;

import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.RoomStateReason;
import io.parley.server.sfu.EndReason;
import io.parley.server.sfu.PlayState;
import io.parley.server.sfu.PublishState;
import java.util.List;
import java.util.function.Function;

/**
 * What a room or the registry sends a session: typed records, encoded only by whatever carries them (the WebSocket
 * gateway's {@code SignalEncoder}; a cluster relay; nothing at all in a unit test). The payloads are the protocol's
 * message records, never JSON trees or buffers.
 */
public sealed interface Signal {

    /** The one answer to a request. {@code result} is a {@code Messages} result record or null. */
    record Reply(RequestRef request, String type, int code, String message, Object result) implements Signal {}

    /**
     * A notification, named by its wire type. Its fields are domain values; the gateway's encoder builds the wire
     * record (and any JSON-in-a-string field such as {@code extendedData}) from them.
     */
    sealed interface Push extends Signal {
        String type();
    }

    /**
     * roomStateChanged; {@code kickoutReason} (e.g. "kicked_multiple_login") only with reason KICKOUT, else null;
     * {@code customMessage} the business server's CustomReason (KickoutUser, CloseRoom), else null.
     */
    record RoomStateChanged(String roomId, RoomStateReason reason, int code, String kickoutReason, String customMessage)
            implements Push {
        public RoomStateChanged(String roomId, RoomStateReason reason, int code, String kickoutReason) {
            this(roomId, reason, code, kickoutReason, null);
        }

        public String type() {
            return Messages.ROOM_STATE_CHANGED;
        }
    }

    record RoomUserUpdate(Messages.RoomUserUpdate data) implements Push {
        public String type() {
            return Messages.ROOM_USER_UPDATE;
        }
    }

    /** roomStreamUpdate; {@code deleted} says why each stream went (DELETE only; empty for ADD). */
    record RoomStreamUpdate(String roomId, String updateType, List<Messages.StreamInfo> streams,
                            List<Messages.StreamDeleteReason> deleted) implements Push {
        public String type() {
            return Messages.ROOM_STREAM_UPDATE;
        }
    }

    /** publisherStateUpdate. */
    record PublisherStateUpdate(String roomId, String streamId, PublishState state, int code, EndReason reason, String detail)
            implements Push {
        public String type() {
            return Messages.PUBLISHER_STATE_UPDATE;
        }
    }

    /** playerStateUpdate. */
    record PlayerStateUpdate(String roomId, String streamId, PlayState state, int code, EndReason reason, String detail) implements Push {
        public String type() {
            return Messages.PLAYER_STATE_UPDATE;
        }
    }

    record PublishQualityUpdate(Messages.QualityUpdate data) implements Push {
        public String type() {
            return Messages.PUBLISH_QUALITY_UPDATE;
        }
    }

    record PlayQualityUpdate(Messages.QualityUpdate data) implements Push {
        public String type() {
            return Messages.PLAY_QUALITY_UPDATE;
        }
    }

    /**
     * A room feature's push (extra info, messages, the online count, mute states): its wire record as is.
     * {@code bestEffort}: superseded or unreliable by contract (the online count, barrage messages), so dropped for a
     * client that cannot keep up; the others are queued like room updates.
     */
    record RoomNotice(String type, Object data, boolean bestEffort) implements Push {}

    /** A server-wide notice (the drain's {@code serverDraining}). */
    record Notice(String type, Object data) implements Push {}

    /**
     * One push for many recipients (a room's fan-out): whoever encodes it first memoises the bytes, and every other
     * recipient reuses them, so a push is encoded once however many members get it. Thread-safe: recipients on
     * different loops may race to encode; one encoding wins and the others are dropped.
     */
    final class Shared implements Signal {
        private final Push push;
        private volatile byte[] encoded;

        public Shared(Push push) {
            this.push = push;
        }

        public Push push() {
            return push;
        }

        /** The encoded push, computed with {@code encoder} by the first caller only. */
        public byte[] encoded(Function<Push, byte[]> encoder) {
            byte[] e = encoded;
            if (e == null) {
                e = encoder.apply(push);
                encoded = e;
            }
            return e;
        }

        @Override
        public String toString() {
            return "shared " + push;
        }
    }
}
