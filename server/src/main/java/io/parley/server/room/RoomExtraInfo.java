package io.parley.server.room;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.StreamId;
import io.parley.protocol.signal.Messages;
import io.parley.server.config.ParleyConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What members attach to a room and to their streams: room extra info (key → value, held for the room's life, synced to
 * each login), a stream's extraInfo once published, and a publisher's microphone state (relayed to the stream's
 * players). Arguments were checked on the connection's loop; everything here runs on the room's loop.
 */
final class RoomExtraInfo {
    private final Room room;
    private final ParleyConfig.RoomFeatures limits;
    private final Map<String, Messages.RoomExtraInfo> entries = new LinkedHashMap<>();
    private final RateBucket sets;

    RoomExtraInfo(Room room, ParleyConfig.RoomFeatures limits) {
        this.room = room;
        this.limits = limits;
        this.sets = new RateBucket(limits.extraInfoSetsPerSecond());
    }

    void set(Session s, RequestRef ref, String key, String value) {
        Member m = room.memberOf(s);
        if (m == null) {
            s.respond(ref, Messages.SET_ROOM_EXTRA_INFO, ErrorCode.NOT_LOGGED_IN, "not logged in to room '" + room.id() + "' any more", null);
            return;
        }
        if (!entries.containsKey(key) && entries.size() >= limits.extraInfoMaxKeys()) {
            room.events().message("room_extra_info", ErrorCode.ROOM_EXTRA_INFO_TOO_MANY_KEYS);
            s.respond(ref, Messages.SET_ROOM_EXTRA_INFO, ErrorCode.ROOM_EXTRA_INFO_TOO_MANY_KEYS, "room '" + room.id()
                    + "' already has keys " + entries.keySet() + " (expected: at most room.extraInfoMaxKeys "
                    + limits.extraInfoMaxKeys() + "; set an existing key to change it)", null);
            return;
        }
        if (!sets.tryTake()) {
            room.events().message("room_extra_info", ErrorCode.MESSAGE_RATE_LIMITED);
            s.respond(ref, Messages.SET_ROOM_EXTRA_INFO, ErrorCode.MESSAGE_RATE_LIMITED, "room '" + room.id()
                    + "': more than room.extraInfoSetsPerSecond " + limits.extraInfoSetsPerSecond() + " sets a second", null);
            return;
        }
        room.events().message("room_extra_info", ErrorCode.OK);
        Messages.RoomExtraInfo entry = new Messages.RoomExtraInfo(key, value, m.user, System.currentTimeMillis());
        entries.put(key, entry);
        s.respond(ref, Messages.SET_ROOM_EXTRA_INFO, ErrorCode.OK, "OK", null);
        room.fanOut(new Signal.RoomNotice(Messages.ROOM_EXTRA_INFO_UPDATE,
                new Messages.RoomExtraInfoUpdate(room.id().value(), List.of(entry)), false), other -> other.session != s);
    }

    /** Part of the login sequence: the room's extra info, if it has any. */
    void syncTo(Session s) {
        if (!entries.isEmpty()) {
            s.send(new Signal.RoomNotice(Messages.ROOM_EXTRA_INFO_UPDATE,
                    new Messages.RoomExtraInfoUpdate(room.id().value(), new ArrayList<>(entries.values())), false));
        }
    }

    /** setStreamExtraInfo: the stream must be the session's; the others see it when it is in the room. */
    void setStreamExtraInfo(Session s, RequestRef ref, StreamId streamId, String extraInfo) {
        Member m = room.memberOf(s);
        PublishedStream st = m == null ? null : m.streams.get(streamId);
        if (st == null) {
            s.respond(ref, Messages.SET_STREAM_EXTRA_INFO, ErrorCode.PUBLISH_STREAM_NOT_FOUND,
                    "streamID '" + streamId + "' is not published by you in room '" + room.id() + "'", null);
            return;
        }
        st.extraInfo = extraInfo;
        s.respond(ref, Messages.SET_STREAM_EXTRA_INFO, ErrorCode.OK, "OK", null);
        if (room.isAnnounced(st)) {
            room.fanOut(new Signal.RoomNotice(Messages.STREAM_EXTRA_INFO_UPDATE,
                    new Messages.StreamExtraInfoUpdate(room.id().value(), List.of(st.info())), false),
                    other -> other.session != s);
        }
    }

    /** mutePublishStreamAudio: the stream's players are told OPEN or MUTE when the state changes. */
    void muteMicrophone(Session s, RequestRef ref, StreamId streamId, boolean mute) {
        Member m = room.memberOf(s);
        PublishedStream st = m == null ? null : m.streams.get(streamId);
        if (st == null) {
            s.respond(ref, Messages.MUTE_PUBLISH_STREAM_AUDIO, ErrorCode.PUBLISH_STREAM_NOT_FOUND,
                    "streamID '" + streamId + "' is not published by you in room '" + room.id() + "'", null);
            return;
        }
        boolean changed = st.micMuted != mute;
        st.micMuted = mute;
        s.respond(ref, Messages.MUTE_PUBLISH_STREAM_AUDIO, ErrorCode.OK, "OK", null);
        if (changed) {
            room.fanOut(micStatus(st), other -> other.session != s && other.plays(streamId));
        }
    }

    /** A player that starts on a muted stream learns it at once (OPEN is the default, not told). */
    void playStarted(Session player, PublishedStream st) {
        if (st != null && st.micMuted) {
            player.send(micStatus(st));
        }
    }

    private Signal.RoomNotice micStatus(PublishedStream st) {
        return new Signal.RoomNotice(Messages.REMOTE_MIC_STATUS_UPDATE, new Messages.RemoteMicStatusUpdate(room.id().value(),
                st.id.value(), st.micMuted ? Messages.MUTE : Messages.OPEN), false);
    }
}
