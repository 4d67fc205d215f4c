package io.parley.server.gateway;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.signal.Envelope;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.room.RoomService;
import io.parley.server.room.Session;
import java.util.List;

/** Maps a request's type to the registry; every request gets exactly one response (here or from a room loop). */
final class RequestDispatcher {
    static final List<String> TYPES = List.of(Messages.LOGIN_ROOM, Messages.LOGOUT_ROOM, Messages.START_PUBLISHING,
            Messages.STOP_PUBLISHING, Messages.START_PLAYING, Messages.STOP_PLAYING, Messages.HEARTBEAT, Messages.RENEW_TOKEN,
            Messages.SET_ROOM_EXTRA_INFO, Messages.SET_STREAM_EXTRA_INFO, Messages.SEND_BROADCAST_MESSAGE,
            Messages.SEND_BARRAGE_MESSAGE, Messages.SEND_CUSTOM_COMMAND, Messages.MUTE_PUBLISH_STREAM_AUDIO,
            Messages.RESUME_SESSION);

    private final RoomService rooms;
    private final GatewayEvents events;

    RequestDispatcher(RoomService rooms, GatewayEvents events) {
        this.rooms = rooms;
        this.events = events;
    }

    void dispatch(Session s, Envelope env) {
        WireRequest id = new WireRequest(env.id());
        switch (env.type()) {
            case Messages.LOGIN_ROOM -> rooms.login(s, id, SignalCodec.bind(env, Messages.LoginRoom.class));
            case Messages.LOGOUT_ROOM -> rooms.logout(s, id, SignalCodec.bind(env, Messages.LogoutRoom.class));
            case Messages.START_PUBLISHING ->
                    rooms.startPublishing(s, id, SignalCodec.bind(env, Messages.StartPublishing.class));
            case Messages.STOP_PUBLISHING ->
                    rooms.stopPublishing(s, id, SignalCodec.bind(env, Messages.StopPublishing.class));
            case Messages.START_PLAYING -> rooms.startPlaying(s, id, SignalCodec.bind(env, Messages.StartPlaying.class));
            case Messages.STOP_PLAYING -> rooms.stopPlaying(s, id, SignalCodec.bind(env, Messages.StopPlaying.class));
            case Messages.RENEW_TOKEN -> rooms.features().renewToken(s, id, SignalCodec.bind(env, Messages.RenewToken.class));
            case Messages.SET_ROOM_EXTRA_INFO ->
                    rooms.features().setRoomExtraInfo(s, id, SignalCodec.bind(env, Messages.SetRoomExtraInfo.class));
            case Messages.SET_STREAM_EXTRA_INFO ->
                    rooms.features().setStreamExtraInfo(s, id, SignalCodec.bind(env, Messages.SetStreamExtraInfo.class));
            case Messages.SEND_BROADCAST_MESSAGE ->
                    rooms.features().sendBroadcastMessage(s, id, SignalCodec.bind(env, Messages.SendMessage.class));
            case Messages.SEND_BARRAGE_MESSAGE ->
                    rooms.features().sendBarrageMessage(s, id, SignalCodec.bind(env, Messages.SendMessage.class));
            case Messages.SEND_CUSTOM_COMMAND ->
                    rooms.features().sendCustomCommand(s, id, SignalCodec.bind(env, Messages.SendCustomCommand.class));
            case Messages.MUTE_PUBLISH_STREAM_AUDIO -> rooms.features().mutePublishStreamAudio(s, id,
                    SignalCodec.bind(env, Messages.MutePublishStreamAudio.class));
            case Messages.HEARTBEAT -> {
                Messages.Heartbeat hb = SignalCodec.bind(env, Messages.Heartbeat.class);
                if (hb.ack() != null) {
                    rooms.ack(s, hb.ack());
                }
                s.respond(id, Messages.HEARTBEAT, ErrorCode.OK, "OK", new Messages.HeartbeatResult(System.currentTimeMillis()));
            }
            case Messages.RESUME_SESSION -> throw new ProtocolException(ErrorCode.ALREADY_IN_ROOM,
                    "resumeSession: only as the first request of a new connection");
            default -> throw new ProtocolException(ErrorCode.DATA_FORMAT_ERROR,
                    "type: unknown request '" + env.type() + "' (expected one of " + TYPES + ")");
        }
        events.request(env.type());
    }
}
