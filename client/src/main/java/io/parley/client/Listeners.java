package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.signal.Messages;
import java.util.List;

/** Listener types for the server's pushes, named after ZEGO Express callbacks. They run on the client's event loop. */
public final class Listeners {
    private Listeners() {}

    @FunctionalInterface
    public interface RoomState {
        void onRoomStateChanged(String roomID, String reason, int errorCode, String extendedData);
    }

    /** ZEGO's legacy {@code roomStateUpdate}: {@code state} is DISCONNECTED, CONNECTING or CONNECTED. */
    @FunctionalInterface
    public interface LegacyRoomState {
        void onRoomStateUpdate(String roomID, String state, int errorCode, String extendedData);
    }

    @FunctionalInterface
    public interface RoomUserUpdate {
        void onRoomUserUpdate(String roomID, String updateType, List<Messages.User> userList);
    }

    @FunctionalInterface
    public interface RoomStreamUpdate {
        void onRoomStreamUpdate(String roomID, String updateType, List<Messages.StreamInfo> streamList, String extendedData);
    }

    /** Any push by name, including ones this client version does not model yet. */
    @FunctionalInterface
    public interface Push {
        void onPush(String name, JsonNode data);
    }

    /** The WebSocket closed (status -1: without a close frame). */
    @FunctionalInterface
    public interface Disconnected {
        void onDisconnected(int status, String reason);
    }

    /** {@code publisherStateUpdate}: NO_PUBLISH, PUBLISH_REQUESTING, PUBLISHING (with an error code on failure). */
    @FunctionalInterface
    public interface PublisherState {
        void onPublisherStateUpdate(Messages.PublisherStateUpdate update);
    }

    /** {@code playerStateUpdate}: NO_PLAY, PLAY_REQUESTING, PLAYING. */
    @FunctionalInterface
    public interface PlayerState {
        void onPlayerStateUpdate(Messages.PlayerStateUpdate update);
    }

    /** {@code publishQualityUpdate}: the server's measurement of a stream this client publishes. */
    @FunctionalInterface
    public interface PublishQuality {
        void onPublishQualityUpdate(Messages.QualityUpdate update);
    }

    /** {@code playQualityUpdate}: the server's measurement of a stream this client plays. */
    @FunctionalInterface
    public interface PlayQuality {
        void onPlayQualityUpdate(Messages.QualityUpdate update);
    }

    /** {@code tokenWillExpire}: call {@code renewToken} with a fresh token within {@code remainTimeInSecond}. */
    @FunctionalInterface
    public interface TokenWillExpire {
        void onTokenWillExpire(String roomID, long remainTimeInSecond);
    }

    /** {@code roomExtraInfoUpdate}: another member set room extra info (and, at login, what the room holds). */
    @FunctionalInterface
    public interface RoomExtraInfoUpdate {
        void onRoomExtraInfoUpdate(String roomID, List<Messages.RoomExtraInfo> roomExtraInfoList);
    }

    /** {@code streamExtraInfoUpdate}: a publisher changed its stream's extraInfo. */
    @FunctionalInterface
    public interface StreamExtraInfoUpdate {
        void onStreamExtraInfoUpdate(String roomID, List<Messages.StreamInfo> streamList);
    }

    /** {@code IMRecvBroadcastMessage}. */
    @FunctionalInterface
    public interface BroadcastMessage {
        void onIMRecvBroadcastMessage(String roomID, List<Messages.BroadcastMessage> messageList);
    }

    /** {@code IMRecvBarrageMessage}. */
    @FunctionalInterface
    public interface BarrageMessage {
        void onIMRecvBarrageMessage(String roomID, List<Messages.BarrageMessage> messageList);
    }

    /** {@code IMRecvCustomCommand}. */
    @FunctionalInterface
    public interface CustomCommand {
        void onIMRecvCustomCommand(String roomID, Messages.User fromUser, String command);
    }

    /** {@code roomOnlineUserCountUpdate}. */
    @FunctionalInterface
    public interface OnlineUserCount {
        void onRoomOnlineUserCountUpdate(String roomID, int count);
    }

    /** {@code remoteMicStatusUpdate}: OPEN or MUTE, for a stream this client plays. */
    @FunctionalInterface
    public interface RemoteMicStatus {
        void onRemoteMicStatusUpdate(String streamID, String status);
    }
}
