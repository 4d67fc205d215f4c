package io.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.StreamDeleteCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md is the contract: every code, request and push the code knows must be in it. */
class ProtocolDocumentTest {
    private static String doc() throws IOException {
        return Files.readString(Path.of("PROTOCOL.md"));
    }

    @Test
    void everyErrorCodeIsDocumented() throws IOException {
        String doc = doc();
        ErrorCode.all().forEach((code, meaning) -> assertThat(doc).as("code %d", code).contains("| " + code + " |"));
    }

    @Test
    void everyRequestAndPushIsDocumented() throws IOException {
        String doc = doc();
        for (String name : new String[] {Messages.LOGIN_ROOM, Messages.LOGOUT_ROOM, Messages.START_PUBLISHING,
                Messages.STOP_PUBLISHING, Messages.HEARTBEAT, Messages.START_PLAYING, Messages.STOP_PLAYING,
                Messages.RENEW_TOKEN, Messages.SET_ROOM_EXTRA_INFO, Messages.SET_STREAM_EXTRA_INFO,
                Messages.SEND_BROADCAST_MESSAGE, Messages.SEND_BARRAGE_MESSAGE, Messages.SEND_CUSTOM_COMMAND,
                Messages.MUTE_PUBLISH_STREAM_AUDIO}) {
            assertThat(doc).contains("\"type\": \"" + name + "\"");
        }
        for (String push : new String[] {Messages.ROOM_STATE_CHANGED, Messages.ROOM_USER_UPDATE, Messages.ROOM_STREAM_UPDATE,
                Messages.PUBLISHER_STATE_UPDATE, Messages.PLAYER_STATE_UPDATE, Messages.PUBLISH_QUALITY_UPDATE,
                Messages.PLAY_QUALITY_UPDATE, Messages.SERVER_DRAINING, Messages.TOKEN_WILL_EXPIRE,
                Messages.ROOM_EXTRA_INFO_UPDATE, Messages.STREAM_EXTRA_INFO_UPDATE, Messages.IM_RECV_BROADCAST_MESSAGE,
                Messages.IM_RECV_BARRAGE_MESSAGE, Messages.IM_RECV_CUSTOM_COMMAND, Messages.ROOM_ONLINE_USER_COUNT_UPDATE,
                Messages.REMOTE_MIC_STATUS_UPDATE}) {
            assertThat(doc).contains("\"push\": \"" + push + "\"");
        }
        for (StreamDeleteCode c : StreamDeleteCode.values()) {
            assertThat(doc).contains("| " + c.code() + " | `" + c.description() + "`");
        }
    }
}
