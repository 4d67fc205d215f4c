package io.parley.server.e2e;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Room and stream extra info, the online count and microphone mute states, end to end over real WebSockets with the
 * default limits (ZEGO's: key <= 10 bytes, value <= 128 bytes, one key, 10 sets a second).
 */
class RoomExtrasEndToEndTest {
    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(TestServer.config().withRoom(new io.parley.server.config.ParleyConfig.RoomFeatures(
                Duration.ofMillis(500), 10, 128, 1, 10, 1024, 2, 10, 20, 200, 10, 10, 5)));
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private ParleyEngine login(String room, String userId) throws Exception {
        ParleyEngine e = server.engine();
        engines.add(e);
        assertThat(e.loginRoom(room, token(userId), user(userId), withUserUpdates()).get().code()).isZero();
        return e;
    }

    private ParleyEngine engine() {
        ParleyEngine e = server.engine();
        engines.add(e);
        return e;
    }

    @Test
    void roomExtraInfoGoesToTheOthersAndToLaterLogins() throws Exception {
        ParleyEngine a = login("xi", "alice");
        ParleyEngine b = engine();
        Pushes pa = Pushes.on(a);
        Pushes pb = Pushes.on(b);
        assertThat(b.loginRoom("xi", token("bob"), user("bob"), withUserUpdates()).get().code()).isZero();

        Result set = a.setRoomExtraInfo("topic", "music").get();
        assertThat(set.code()).isZero();
        Pushes.Push update = pb.await(Messages.ROOM_EXTRA_INFO_UPDATE, p -> true);
        JsonNode entry = update.data().path("roomExtraInfoList").get(0);
        assertThat(update.data().path("roomID").asText()).isEqualTo("xi");
        assertThat(entry.path("key").asText()).isEqualTo("topic");
        assertThat(entry.path("value").asText()).isEqualTo("music");
        assertThat(entry.path("updateUser").path("userID").asText()).isEqualTo("alice");
        assertThat(entry.path("updateTime").asLong()).isPositive();
        assertThat(b.roomExtraInfo().get("topic").value()).isEqualTo("music");

        // The same key again replaces the value; another key is one too many (1002017).
        assertThat(b.setRoomExtraInfo("topic", "jazz").get().code()).isZero();
        pa.await(Messages.ROOM_EXTRA_INFO_UPDATE, p -> p.data().path("roomExtraInfoList").get(0).path("value").asText().equals("jazz"));
        Result second = a.setRoomExtraInfo("mood", "calm").get();
        assertThat(second.code()).isEqualTo(ErrorCode.ROOM_EXTRA_INFO_TOO_MANY_KEYS);
        assertThat(second.message()).contains("topic");
        assertThat(a.setRoomExtraInfo("elevenbytes", "x").get().code()).isEqualTo(ErrorCode.ROOM_EXTRA_INFO_KEY_INVALID);
        assertThat(a.setRoomExtraInfo("", "x").get().code()).isEqualTo(ErrorCode.ROOM_EXTRA_INFO_KEY_INVALID);
        assertThat(a.setRoomExtraInfo("topic", "v".repeat(129)).get().code()).isEqualTo(ErrorCode.ROOM_EXTRA_INFO_VALUE_TOO_LONG);
        assertThat(a.setRoomExtraInfo("topic", "v".repeat(128)).get().code()).isZero();

        // A later login is synced: roomExtraInfoUpdate in its login sequence, after LOGINED.
        ParleyEngine c = engine();
        Pushes pc = Pushes.on(c);
        assertThat(c.loginRoom("xi", token("carol"), user("carol"), withUserUpdates()).get().code()).isZero();
        Pushes.Push synced = pc.await(Messages.ROOM_EXTRA_INFO_UPDATE, p -> true);
        assertThat(synced.data().path("roomExtraInfoList").get(0).path("value").asText()).isEqualTo("v".repeat(128));
        assertThat(synced.data().path("roomExtraInfoList").get(0).path("updateUser").path("userID").asText()).isEqualTo("alice");
        List<String> names = pc.all().stream().map(Pushes.Push::name).toList();
        assertThat(names.indexOf(Messages.ROOM_STATE_CHANGED)).isLessThan(names.indexOf(Messages.ROOM_EXTRA_INFO_UPDATE));
        // The setter is never told about its own set.
        for (Pushes.Push p : pa.named(Messages.ROOM_EXTRA_INFO_UPDATE)) {
            assertThat(p.data().path("roomExtraInfoList").get(0).path("updateUser").path("userID").asText()).isNotEqualTo("alice");
        }
    }

    @Test
    void roomExtraInfoSetsAreLimitedPerRoom() throws Exception {
        ParleyEngine a = login("xi-rate", "alice");
        List<CompletableFuture<Result>> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(a.setRoomExtraInfo("k", "v" + i));
        }
        long ok = 0;
        long limited = 0;
        for (CompletableFuture<Result> f : sent) {
            int code = f.get().code();
            ok += code == 0 ? 1 : 0;
            limited += code == ErrorCode.MESSAGE_RATE_LIMITED ? 1 : 0;
        }
        assertThat(ok + limited).isEqualTo(20);
        assertThat(ok).isBetween(10L, 15L);
        assertThat(limited).isPositive();
    }

    @Test
    void streamExtraInfoChangesReachTheOthersAndLateJoiners() throws Exception {
        ParleyEngine a = login("si", "alice");
        ParleyEngine b = engine();
        Pushes pb = Pushes.on(b);
        assertThat(b.loginRoom("si", token("bob"), user("bob"), withUserUpdates()).get().code()).isZero();
        assertThat(a.startPublishing("alice-mic", "{\"seat\":1}").get().code()).isZero();
        pb.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD"));

        assertThat(a.setStreamExtraInfo("alice-mic", "{\"seat\":2}").get().code()).isZero();
        Pushes.Push u = pb.await(Messages.STREAM_EXTRA_INFO_UPDATE, p -> true);
        JsonNode s = u.data().path("streamList").get(0);
        assertThat(u.data().path("roomID").asText()).isEqualTo("si");
        assertThat(s.path("streamID").asText()).isEqualTo("alice-mic");
        assertThat(s.path("extraInfo").asText()).isEqualTo("{\"seat\":2}");
        assertThat(s.path("user").path("userID").asText()).isEqualTo("alice");

        // A late joiner gets the current extraInfo in its stream list.
        ParleyEngine c = engine();
        Pushes pc = Pushes.on(c);
        assertThat(c.loginRoom("si", token("carol"), user("carol"), withUserUpdates()).get().code()).isZero();
        Pushes.Push add = pc.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD"));
        assertThat(add.data().path("streamList").get(0).path("extraInfo").asText()).isEqualTo("{\"seat\":2}");

        assertThat(b.setStreamExtraInfo("alice-mic", "mine").get().code()).isEqualTo(ErrorCode.PUBLISH_STREAM_NOT_FOUND);
        assertThat(a.setStreamExtraInfo("alice-mic", "x".repeat(1025)).get().code()).isEqualTo(ErrorCode.EXTRA_INFO_TOO_LONG);
        assertThat(a.setStreamExtraInfo("bad id!", "x").get().code()).isEqualTo(ErrorCode.STREAM_ID_ILLEGAL);
    }

    @Test
    void onlineCountOnLoginAndPeriodicallyToEveryMember() throws Exception {
        ParleyEngine a = engine();
        Pushes pa = Pushes.on(a);
        assertThat(a.loginRoom("oc", token("alice"), user("alice"), withUserUpdates()).get().code()).isZero();
        Pushes.Push first = pa.await(Messages.ROOM_ONLINE_USER_COUNT_UPDATE, p -> true);
        assertThat(first.data().path("roomID").asText()).isEqualTo("oc");
        assertThat(first.data().path("count").asInt()).isEqualTo(1);

        ParleyEngine b = engine();
        Pushes pb = Pushes.on(b);
        assertThat(b.loginRoom("oc", token("bob"), user("bob"), new Messages.RoomConfig(false, 0)).get().code()).isZero();
        pb.await(Messages.ROOM_ONLINE_USER_COUNT_UPDATE, p -> p.data().path("count").asInt() == 2);
        // Alice learns of the second member from the periodic count (room.onlineCountInterval, 500 ms here).
        pa.await(Messages.ROOM_ONLINE_USER_COUNT_UPDATE, p -> p.data().path("count").asInt() == 2);
        pb.awaitCount(Messages.ROOM_ONLINE_USER_COUNT_UPDATE, p -> p.data().path("count").asInt() == 2, 3);
        assertThat(b.logoutRoom().get().code()).isZero();
        long ones = pa.count(Messages.ROOM_ONLINE_USER_COUNT_UPDATE, p -> p.data().path("count").asInt() == 1);
        pa.awaitCount(Messages.ROOM_ONLINE_USER_COUNT_UPDATE, p -> p.data().path("count").asInt() == 1, (int) ones + 1);
    }

    @Test
    void aPublishersMicrophoneMuteReachesItsPlayers() throws Exception {
        ParleyEngine a = login("mute", "alice");
        ParleyEngine b = login("mute", "bob");
        ParleyEngine c = login("mute", "carol");
        Pushes pa = Pushes.on(a);
        Pushes pb = Pushes.on(b);
        Pushes pc = Pushes.on(c);
        assertThat(a.startPublishing("alice-mic", "").get().code()).isZero();
        Result play = b.startPlayingUrl("alice-mic", Messages.FLV).get();
        assertThat(play.code()).as(play.message()).isZero();

        assertThat(a.mutePublishStreamAudio("alice-mic", true).get().code()).isZero();
        Pushes.Push muted = pb.await(Messages.REMOTE_MIC_STATUS_UPDATE, p -> true);
        assertThat(muted.data().path("roomID").asText()).isEqualTo("mute");
        assertThat(muted.data().path("streamID").asText()).isEqualTo("alice-mic");
        assertThat(muted.data().path("status").asText()).isEqualTo(Messages.MUTE);

        // A player that starts on a muted stream learns it at once.
        Result late = c.startPlayingUrl("alice-mic", Messages.FLV).get();
        assertThat(late.code()).isZero();
        pc.await(Messages.REMOTE_MIC_STATUS_UPDATE, p -> p.data().path("status").asText().equals(Messages.MUTE));

        // Muting again changes nothing and tells nobody; opening tells both players.
        assertThat(a.mutePublishStreamAudio("alice-mic", true).get().code()).isZero();
        assertThat(a.mutePublishStreamAudio("alice-mic", false).get().code()).isZero();
        pb.await(Messages.REMOTE_MIC_STATUS_UPDATE, p -> p.data().path("status").asText().equals(Messages.OPEN));
        pc.await(Messages.REMOTE_MIC_STATUS_UPDATE, p -> p.data().path("status").asText().equals(Messages.OPEN));
        assertThat(pb.named(Messages.REMOTE_MIC_STATUS_UPDATE)).hasSize(2);
        assertThat(pa.named(Messages.REMOTE_MIC_STATUS_UPDATE)).isEmpty();

        assertThat(b.mutePublishStreamAudio("alice-mic", true).get().code()).isEqualTo(ErrorCode.PUBLISH_STREAM_NOT_FOUND);
        Result noFlag = a.request(Messages.MUTE_PUBLISH_STREAM_AUDIO, new Messages.MutePublishStreamAudio(null, "alice-mic", null)).get();
        assertThat(noFlag.code()).isEqualTo(ErrorCode.PARAMETER_ERROR);
    }
}
