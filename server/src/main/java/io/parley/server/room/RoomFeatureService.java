package io.parley.server.room;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.Identifiers;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.Messages;
import io.parley.server.config.ParleyConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The entry points of what members do in a room besides publishing and playing: renewToken, room and stream extra info,
 * messages, microphone mute. Arguments are checked here, on the connection's loop (a bad one throws its code); the
 * decision is the room's, on its loop ({@link RoomExtraInfo}, {@link Messaging}, {@link TokenRenewal}).
 */
public final class RoomFeatureService {
    private final TokenRenewal tokens;
    private volatile ParleyConfig.RoomFeatures limits;

    RoomFeatureService(TokenRenewal tokens, ParleyConfig.RoomFeatures limits) {
        this.tokens = tokens;
        this.limits = limits;
    }

    void limits(ParleyConfig.RoomFeatures limits) {
        this.limits = limits;
    }

    /**
     * The room of the request: {@code roomID}, which must be one of the session's, or, when it is null, the session's
     * only room (a session in several rooms must name one).
     */
    static Room roomOf(Session s, String roomID) {
        Room room = s.room;
        if (s.state() != Session.State.IN_ROOM || room == null) {
            throw new ProtocolException(ErrorCode.NOT_LOGGED_IN, "not logged in (expected: loginRoom first)");
        }
        if (roomID == null) {
            if (s.rooms.size() > 1) {
                throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "roomID: missing (expected: one of the session's rooms "
                        + s.rooms.keySet() + ")");
            }
            return room;
        }
        if (roomID.equals(room.id().value())) {
            return room;
        }
        Room other = s.rooms.get(new io.parley.protocol.RoomId(roomID));
        if (other == null) {
            throw new ProtocolException(ErrorCode.NOT_IN_THIS_ROOM, "not logged in to room '" + roomID
                    + "' (logged in to " + s.rooms.keySet() + ")");
        }
        return other;
    }

    public void renewToken(Session s, RequestRef ref, Messages.RenewToken req) {
        tokens.renew(s, ref, roomOf(s, req.roomID()), req.token());
    }

    public void setRoomExtraInfo(Session s, RequestRef ref, Messages.SetRoomExtraInfo req) {
        Room room = roomOf(s, req.roomID());
        ParleyConfig.RoomFeatures l = limits;
        String key = req.key();
        int keyBytes = bytes(key);
        if (keyBytes == 0 || keyBytes > l.extraInfoMaxKeyBytes()) {
            throw new ProtocolException(ErrorCode.ROOM_EXTRA_INFO_KEY_INVALID, "key: " + (keyBytes == 0 ? "empty" : keyBytes
                    + " bytes") + " (expected: 1.." + l.extraInfoMaxKeyBytes() + " bytes)");
        }
        String value = req.value() == null ? "" : req.value();
        int valueBytes = bytes(value);
        if (valueBytes > l.extraInfoMaxValueBytes()) {
            throw new ProtocolException(ErrorCode.ROOM_EXTRA_INFO_VALUE_TOO_LONG, "value: " + valueBytes
                    + " bytes (expected: <= " + l.extraInfoMaxValueBytes() + ")");
        }
        room.execute(() -> room.extras().set(s, ref, key, value));
    }

    public void setStreamExtraInfo(Session s, RequestRef ref, Messages.SetStreamExtraInfo req) {
        Room room = roomOf(s, req.roomID());
        StreamId streamId = new StreamId(req.streamID());
        String extra = Identifiers.extraInfo(req.extraInfo());
        room.execute(() -> room.extras().setStreamExtraInfo(s, ref, streamId, extra));
    }

    public void mutePublishStreamAudio(Session s, RequestRef ref, Messages.MutePublishStreamAudio req) {
        Room room = roomOf(s, req.roomID());
        StreamId streamId = new StreamId(req.streamID());
        if (req.mute() == null) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "mute: missing (expected: true or false)");
        }
        boolean mute = req.mute();
        room.execute(() -> room.extras().muteMicrophone(s, ref, streamId, mute));
    }

    public void sendBroadcastMessage(Session s, RequestRef ref, Messages.SendMessage req) {
        Room room = roomOf(s, req.roomID());
        String message = message("message", req.message());
        room.execute(() -> room.messaging().broadcast(s, ref, message));
    }

    public void sendBarrageMessage(Session s, RequestRef ref, Messages.SendMessage req) {
        Room room = roomOf(s, req.roomID());
        String message = message("message", req.message());
        room.execute(() -> room.messaging().barrage(s, ref, message));
    }

    public void sendCustomCommand(Session s, RequestRef ref, Messages.SendCustomCommand req) {
        Room room = roomOf(s, req.roomID());
        String command = message("command", req.command());
        List<String> ids = req.toUserIDs() == null ? List.of() : req.toUserIDs();
        int max = limits.maxCommandTargets();
        if (ids.size() > max) {
            throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "toUserIDs: " + ids.size()
                    + " users (expected: at most room.maxCommandTargets " + max + ", or none for everyone)");
        }
        List<UserId> to = new ArrayList<>(ids.size());
        for (String id : ids) {
            to.add(new UserId(id));
        }
        room.execute(() -> room.messaging().customCommand(s, ref, command, to));
    }

    private String message(String field, String text) {
        int n = bytes(text);
        if (n == 0) {
            throw new ProtocolException(ErrorCode.MESSAGE_EMPTY, field + ": empty (expected: 1.." + limits.maxMessageBytes()
                    + " bytes)");
        }
        if (n > limits.maxMessageBytes()) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LONG, field + ": " + n + " bytes (expected: <= "
                    + limits.maxMessageBytes() + ", room.maxMessageBytes)");
        }
        return text;
    }

    private static int bytes(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }
}
