package io.parley.server.e2e;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.server.Pushes;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Broadcast messages, barrage messages and custom commands end to end: who gets them (never the sender), their IDs,
 * their limits (ZEGO's by default) and one order for every member.
 */
class MessagingEndToEndTest {
    private TestServer server;
    private final List<ParleyEngine> engines = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        if (server != null) {
            server.close();
        }
    }

    private ParleyEngine engine() {
        ParleyEngine e = server.engine();
        engines.add(e);
        return e;
    }

    private ParleyEngine login(ParleyEngine e, String room, String userId) throws Exception {
        Result r = e.loginRoom(room, token(userId), user(userId), withUserUpdates()).get();
        assertThat(r.code()).as(r.message()).isZero();
        return e;
    }

    @Test
    void broadcastBarrageAndCommandsReachEveryoneButTheSender() throws Exception {
        server = TestServer.start();
        ParleyEngine a = engine();
        ParleyEngine b = engine();
        ParleyEngine c = engine();
        Pushes pa = Pushes.on(a);
        Pushes pb = Pushes.on(b);
        Pushes pc = Pushes.on(c);
        login(a, "im", "alice");
        login(b, "im", "bob");
        login(c, "im", "carol");

        Result sent = a.sendBroadcastMessage("hello room").get();
        assertThat(sent.code()).isZero();
        assertThat(sent.data().path("messageID").isIntegralNumber()).isTrue();
        long id = sent.data().path("messageID").asLong();
        for (Pushes p : List.of(pb, pc)) {
            JsonNode msg = p.await(Messages.IM_RECV_BROADCAST_MESSAGE, x -> true).data();
            assertThat(msg.path("roomID").asText()).isEqualTo("im");
            JsonNode m = msg.path("messageList").get(0);
            assertThat(m.path("message").asText()).isEqualTo("hello room");
            assertThat(m.path("messageID").asLong()).isEqualTo(id);
            assertThat(m.path("fromUser").path("userID").asText()).isEqualTo("alice");
            assertThat(m.path("sendTime").asLong()).isPositive();
        }
        Result second = b.sendBroadcastMessage("hi alice").get();
        assertThat(second.data().path("messageID").asLong()).isGreaterThan(id);
        pa.await(Messages.IM_RECV_BROADCAST_MESSAGE, x -> true);

        Result barrage = c.sendBarrageMessage("666").get();
        assertThat(barrage.code()).isZero();
        assertThat(barrage.data().path("messageID").isTextual()).isTrue();
        String barrageId = barrage.data().path("messageID").asText();
        JsonNode got = pa.await(Messages.IM_RECV_BARRAGE_MESSAGE, x -> true).data().path("messageList").get(0);
        assertThat(got.path("messageID").asText()).isEqualTo(barrageId);
        assertThat(got.path("message").asText()).isEqualTo("666");
        pb.await(Messages.IM_RECV_BARRAGE_MESSAGE, x -> true);

        // A command to bob and to somebody not in the room: bob gets it, the result names the other.
        Result cmd = a.sendCustomCommand("mic-on", List.of("bob", "ghost")).get();
        assertThat(cmd.code()).isZero();
        JsonNode failed = cmd.data().path("failUserList");
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).path("userID").asText()).isEqualTo("ghost");
        assertThat(failed.get(0).path("errorCode").asInt()).isEqualTo(ErrorCode.MESSAGE_SEND_FAILED);
        Pushes.Push command = pb.await(Messages.IM_RECV_CUSTOM_COMMAND, x -> true);
        assertThat(command.data().path("command").asText()).isEqualTo("mic-on");
        assertThat(command.data().path("fromUser").path("userID").asText()).isEqualTo("alice");
        // An empty list is everyone but the sender.
        assertThat(a.sendCustomCommand("all", List.of()).get().data().path("failUserList")).isEmpty();
        pc.await(Messages.IM_RECV_CUSTOM_COMMAND, x -> x.data().path("command").asText().equals("all"));
        pb.await(Messages.IM_RECV_CUSTOM_COMMAND, x -> x.data().path("command").asText().equals("all"));
        assertThat(pc.count(Messages.IM_RECV_CUSTOM_COMMAND, x -> true)).isEqualTo(1);
        // The sender is told of nothing it sent, even when it names itself.
        assertThat(a.sendCustomCommand("me", List.of("alice")).get().code()).isZero();
        // b's previous broadcast may be under 500 ms old (refused then: 1009015, nobody gets it): b tries until taken.
        await().pollInterval(Duration.ofMillis(100)).until(() -> b.sendBroadcastMessage("last").get().code() == 0);
        pc.await(Messages.IM_RECV_BROADCAST_MESSAGE, x -> x.data().path("messageList").get(0).path("message").asText().equals("last"));
        assertThat(pa.named(Messages.IM_RECV_CUSTOM_COMMAND)).isEmpty();
        assertThat(pa.count(Messages.IM_RECV_BROADCAST_MESSAGE, x -> true)).isEqualTo(2);
        assertThat(pa.named(Messages.IM_RECV_BARRAGE_MESSAGE)).hasSize(1);
        assertThat(pc.named(Messages.IM_RECV_BARRAGE_MESSAGE)).isEmpty();
    }

    @Test
    void badMessagesAndTooManyGetTheirCodes() throws Exception {
        server = TestServer.start();
        ParleyEngine a = login(engine(), "im-bad", "alice");
        assertThat(a.sendBroadcastMessage("").get().code()).isEqualTo(ErrorCode.MESSAGE_EMPTY);
        assertThat(a.sendBarrageMessage(null).get().code()).isEqualTo(ErrorCode.MESSAGE_EMPTY);
        assertThat(a.sendBroadcastMessage("x".repeat(1025)).get().code()).isEqualTo(ErrorCode.MESSAGE_TOO_LONG);
        assertThat(a.sendBroadcastMessage("é".repeat(513)).get().code()).isEqualTo(ErrorCode.MESSAGE_TOO_LONG);
        assertThat(a.sendCustomCommand("x".repeat(1025), List.of()).get().code()).isEqualTo(ErrorCode.MESSAGE_TOO_LONG);
        List<String> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            eleven.add("u" + i);
        }
        Result tooMany = a.sendCustomCommand("x", eleven).get();
        assertThat(tooMany.code()).isEqualTo(ErrorCode.PARAMETER_ERROR);
        assertThat(tooMany.message()).contains("maxCommandTargets");
        assertThat(a.sendCustomCommand("x", List.of("bad:id")).get().code()).isEqualTo(ErrorCode.USER_ID_ILLEGAL);

        // Two broadcasts a second per sender, at least 500 ms apart: a second and third at once are refused with 1009015.
        List<CompletableFuture<Result>> burst = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            burst.add(a.sendBroadcastMessage("m" + i));
        }
        List<Integer> codes = new ArrayList<>();
        for (CompletableFuture<Result> f : burst) {
            codes.add(f.get().code());
        }
        assertThat(codes).containsExactly(0, ErrorCode.BROADCAST_RATE_LIMITED, ErrorCode.BROADCAST_RATE_LIMITED);

        ParleyEngine notIn = engine();
        assertThat(notIn.sendBroadcastMessage("x").get().code()).isEqualTo(ErrorCode.NOT_LOGGED_IN);
        Result wrongRoom = a.request(Messages.SEND_BROADCAST_MESSAGE, new Messages.SendMessage("other", "x")).get();
        assertThat(wrongRoom.code()).isEqualTo(ErrorCode.NOT_IN_THIS_ROOM);
    }

    @Test
    void barrageIsLimitedPerRoom() throws Exception {
        server = TestServer.start();
        ParleyEngine a = login(engine(), "im-barrage", "alice");
        ParleyEngine b = login(engine(), "im-barrage", "bob");
        List<CompletableFuture<Result>> burst = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            burst.add(a.sendBarrageMessage("a" + i));
            burst.add(b.sendBarrageMessage("b" + i));
        }
        int ok = 0;
        int limited = 0;
        for (CompletableFuture<Result> f : burst) {
            int code = f.get().code();
            ok += code == 0 ? 1 : 0;
            limited += code == ErrorCode.MESSAGE_RATE_LIMITED ? 1 : 0;
        }
        assertThat(ok + limited).isEqualTo(30);
        assertThat(ok).isBetween(20, 27);
    }

    /** 20 senders at once, each several messages: every member receives the others' messages in one and the same order. */
    @Test
    void messagesFromTwentySendersArriveAtEveryMemberInOneOrder() throws Exception {
        ParleyConfig.RoomFeatures d = ParleyConfig.RoomFeatures.DEFAULTS;
        server = TestServer.start(TestServer.config().withRoom(new ParleyConfig.RoomFeatures(d.onlineCountInterval(),
                d.extraInfoMaxKeyBytes(), d.extraInfoMaxValueBytes(), d.extraInfoMaxKeys(), d.extraInfoSetsPerSecond(),
                d.maxMessageBytes(), 1_000_000, 100_000, d.barragePerRoomPerSecond(), d.customCommandToOnePerSecond(),
                d.customCommandToManyPerSecond(), d.maxCommandTargets(), d.maxRoomsPerSession())));
        int senders = 20;
        int each = 10;
        int listeners = 2;
        List<ParleyEngine> members = new ArrayList<>();
        Map<ParleyEngine, List<Long>> received = new ConcurrentHashMap<>();
        Map<ParleyEngine, List<String>> texts = new ConcurrentHashMap<>();
        for (int i = 0; i < senders + listeners; i++) {
            ParleyEngine e = engine();
            List<Long> ids = Collections.synchronizedList(new ArrayList<>());
            List<String> msgs = Collections.synchronizedList(new ArrayList<>());
            received.put(e, ids);
            texts.put(e, msgs);
            e.setIMRecvBroadcastMessageListener((room, list) -> list.forEach(m -> {
                ids.add(m.messageID());
                msgs.add(m.message());
            }));
            login(e, "im-order", (i < senders ? "s" : "l") + i);
            members.add(e);
        }
        List<CompletableFuture<Result>> all = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
            ParleyEngine e = members.get(i);
            String from = "s" + i;
            Thread t = new Thread(() -> {
                for (int k = 0; k < each; k++) {
                    CompletableFuture<Result> f = e.sendBroadcastMessage(from + "#" + k);
                    synchronized (all) {
                        all.add(f);
                    }
                    // A member's broadcasts are spaced (1 us apart here): each waits for the previous one's answer,
                    // a round trip; the twenty senders still send at once.
                    f.join();
                }
            });
            threads.add(t);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        Set<Long> acceptedIds = new HashSet<>();
        for (CompletableFuture<Result> f : all) {
            Result r = f.get();
            assertThat(r.code()).as(r.message()).isZero();
            acceptedIds.add(r.data().path("messageID").asLong());
        }
        int total = senders * each;
        assertThat(acceptedIds).hasSize(total);
        for (int i = 0; i < members.size(); i++) {
            ParleyEngine e = members.get(i);
            int expected = i < senders ? total - each : total;
            await().atMost(Duration.ofSeconds(20)).until(() -> received.get(e).size() >= expected);
        }
        // Let anything extra (a duplicate) arrive: a final message from a listener marks the end for everyone.
        ParleyEngine marker = members.get(senders);
        long end = marker.sendBroadcastMessage("end").get().data().path("messageID").asLong();
        for (ParleyEngine e : members) {
            if (e != marker) {
                await().atMost(Duration.ofSeconds(20)).until(() -> received.get(e).contains(end));
            }
        }
        for (int i = 0; i < members.size(); i++) {
            ParleyEngine e = members.get(i);
            List<Long> ids = new ArrayList<>(received.get(e));
            ids.remove(Long.valueOf(end));
            int expected = i < senders ? total - each : total;
            assertThat(ids).as("member %d: no loss, no duplicate", i).hasSize(expected).doesNotHaveDuplicates();
            // One order: messageIDs increase along what each member received, so all members agree.
            assertThat(ids).as("member %d", i).isSorted();
            // Per sender, its own order is kept.
            List<String> msgs = new ArrayList<>(texts.get(e));
            for (int s = 0; s < senders; s++) {
                String prefix = "s" + s + "#";
                List<Integer> seq = msgs.stream().filter(m -> m.startsWith(prefix))
                        .map(m -> Integer.parseInt(m.substring(prefix.length()))).toList();
                assertThat(seq).isSorted();
                if (i != s) {
                    assertThat(seq).hasSize(each);
                } else {
                    assertThat(seq).isEmpty();
                }
            }
        }
        // The listeners saw exactly the same sequence.
        assertThat(received.get(members.get(senders))).isEqualTo(received.get(members.get(senders + 1)).subList(0,
                received.get(members.get(senders + 1)).size() - 1));
    }
}
