package io.parley.server.cluster;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.Player;
import io.parley.client.media.Publisher;
import io.parley.client.media.ReceivedPacket;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.RoomId;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import io.parley.server.Pushes;
import io.parley.server.RawSocket;
import io.parley.server.TestServer;
import io.parley.server.config.ParleyConfig;
import io.parley.server.gateway.RelayAuth;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Room placement and the signalling relay on a real cluster (a redis-server and Parley nodes in this JVM): members
 * connected to different nodes are in one room on one node, with its pushes, order and media; the room node sees
 * and limits a relayed client by the client's own address; a relay header it cannot verify is refused; racing first
 * logins of one room on every node place it once.
 */
class ClusterRelayTest {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static int hostOf(ClusterRig rig, String room) {
        int host = -1;
        for (int i = 0; i < rig.nodes.size(); i++) {
            if (rig.node(i).server().rooms().roomIds(TestServer.APP).contains(new RoomId(room))) {
                assertThat(host).as("room %s open on node %d and node %d", room, host, i).isEqualTo(-1);
                host = i;
            }
        }
        assertThat(host).as("room %s open on some node", room).isNotNegative();
        return host;
    }

    private static byte[] frame(int i) {
        ByteBuffer b = ByteBuffer.allocate(100);
        b.putInt(i);
        for (int k = 4; k < 100; k++) {
            b.put((byte) (i * 17 + k));
        }
        return b.array();
    }

    private static List<String> about(Pushes p, String who) {
        List<String> out = new ArrayList<>();
        for (Pushes.Push x : p.all()) {
            if (x.name().equals(Messages.ROOM_USER_UPDATE) && x.userIds().contains(who)) {
                out.add("user " + x.type());
            } else if (x.name().equals(Messages.ROOM_STREAM_UPDATE) && x.streamIds().contains(who + "-mic")) {
                out.add("stream " + x.type());
            }
        }
        return out;
    }

    private static void hears(Publisher pub, List<ReceivedPacket> got, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(pub.sendFrame(frame(i))).isTrue();
        }
        await().atMost(WAIT).until(() -> got.size() >= n);
        for (int i = 0; i < n; i++) {
            assertThat(got.get(i).payload()).as("packet %d in order, intact", i).isEqualTo(frame(i));
        }
    }

    @Test
    void membersOnDifferentNodesShareOneRoomSeeEachOtherInOrderAndHearEachOther() throws Exception {
        try (ClusterRig rig = ClusterRig.start(3, LEASE)) {
            ParleyEngine alice = rig.engine(0);
            ParleyEngine bob = rig.engine(1);
            Pushes pa = Pushes.on(alice);
            Pushes pb = Pushes.on(bob);
            assertThat(alice.loginRoom("shared", token("alice"), user("alice"), withUserUpdates()).get(10, TimeUnit.SECONDS).code()).isZero();
            Result b = bob.loginRoom("shared", token("bob"), user("bob"), withUserUpdates()).get(10, TimeUnit.SECONDS);
            assertThat(b.code()).as("bob's login through node-1: %s", b.message()).isZero();
            int host = hostOf(rig, "shared");
            assertThat(host).as("a tie goes to the node that received the first login").isZero();
            assertThat(rig.node(0).server().rooms().snapshot(TestServer.APP, "shared").join().userIds())
                    .containsExactlyInAnyOrder("alice", "bob");
            assertThat(rig.redisCommands().get("parley:" + TestServer.APP + ":room:shared")).contains("#node-0/");
            pa.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("ADD") && p.userIds().contains("bob"));

            Publisher alicePub = alice.startPublishingMedia("alice-mic", "").get(20, TimeUnit.SECONDS);
            pb.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD") && p.streamIds().contains("alice-mic"));
            Publisher bobPub = bob.startPublishingMedia("bob-mic", "").get(20, TimeUnit.SECONDS);
            pa.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("ADD") && p.streamIds().contains("bob-mic"));
            List<ReceivedPacket> atBob = new CopyOnWriteArrayList<>();
            List<ReceivedPacket> atAlice = new CopyOnWriteArrayList<>();
            Player bobHears = bob.startPlaying("alice-mic", atBob::add).get(20, TimeUnit.SECONDS);
            Player aliceHears = alice.startPlaying("bob-mic", atAlice::add).get(20, TimeUnit.SECONDS);
            assertThat(bobHears.isConnected()).isTrue();
            assertThat(aliceHears.isConnected()).isTrue();
            // Media goes straight to the room's node (its address is in every SDP answer), none to the others.
            await().atMost(WAIT).until(() -> rig.node(0).server().media().connectedTransportCount().join() == 4);
            hears(alicePub, atBob, 100);
            hears(bobPub, atAlice, 100);
            assertThat(rig.node(1).server().media().counters().rtpPacketsIn()).isZero();
            assertThat(rig.node(2).server().media().counters().rtpPacketsIn()).isZero();

            assertThat(alice.stopPublishing("alice-mic").get(10, TimeUnit.SECONDS).code()).isZero();
            pb.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE") && p.streamIds().contains("alice-mic"));
            assertThat(bob.stopPublishing("bob-mic").get(10, TimeUnit.SECONDS).code()).isZero();
            pa.await(Messages.ROOM_STREAM_UPDATE, p -> p.type().equals("DELETE") && p.streamIds().contains("bob-mic"));
            assertThat(bob.logoutRoom().get(10, TimeUnit.SECONDS).code()).isZero();
            pa.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE") && p.userIds().contains("bob"));
            assertThat(about(pa, "bob")).containsExactly("user ADD", "stream ADD", "stream DELETE", "user DELETE");
            assertThat(about(pb, "alice")).containsExactly("user ADD", "stream ADD", "stream DELETE");
            // The relayed session is gone from the room node; the relaying node held no session of its own.
            await().atMost(WAIT).until(() -> rig.node(0).server().rooms().memberCount() == 1);
            assertThat(rig.node(1).server().rooms().memberCount()).isZero();
        }
    }

    @Test
    void theRoomNodeLimitsARelayedClientByTheClientsOwnAddress() throws Exception {
        try (ClusterRig rig = ClusterRig.start(0, LEASE)) {
            TestServer roomNode = rig.addNode("room-node", c -> c.withGateway(perAddress(c.gateway(), 2)));
            TestServer entry = rig.addNode("entry");
            ParleyEngine host = rig.engine(0); // 127.0.0.1 at the room node: 1
            assertThat(host.loginRoom("limited", token("host"), user("host"), null).get(10, TimeUnit.SECONDS).code()).isZero();
            int port = entry.server().port();
            List<RawSocket> viaEntry = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    viaEntry.add(RawSocket.connectFrom("127.0.0.2", port).upgrade());
                }
                assertThat(login(viaEntry.get(0), "r0").path("code").asInt()).isZero();
                assertThat(login(viaEntry.get(1), "r1").path("code").asInt()).isZero();
                // The third relayed session from 127.0.0.2 is over the room node's cap for that address...
                JsonNode third = login(viaEntry.get(2), "r2");
                assertThat(third.path("code").asInt()).isEqualTo(ErrorCode.ROOM_NODE_UNAVAILABLE);
                assertThat(third.path("message").asText()).contains("too many connections from 127.0.0.2 (2,");
                // ...while the relaying node's own address (127.0.0.1 as well) was never charged for them.
                ParleyEngine direct = rig.engine(0);
                assertThat(direct.loginRoom("limited", token("direct"), user("direct"), null).get(10, TimeUnit.SECONDS).code())
                        .isZero();
                assertThat(roomNode.server().rooms().snapshot(TestServer.APP, "limited").join().userIds())
                        .containsExactlyInAnyOrder("host", "direct", "r0", "r1");
                // A relayed client that leaves frees its address's place at the room node: the refused one gets in.
                viaEntry.get(0).close();
                await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> login(viaEntry.get(2), "r2")
                        .path("code").asInt() == 0);
                assertThat(rig.redisCommands().get("parley:" + TestServer.APP + ":room:limited")).contains("#room-node/");
            } finally {
                viaEntry.forEach(RawSocket::close);
            }
        }
    }

    private static int ids;

    private static JsonNode login(RawSocket s, String userId) throws java.io.IOException {
        return loginTo(s, "limited", userId);
    }

    private static ParleyConfig.Gateway perAddress(ParleyConfig.Gateway d, int max) {
        return new ParleyConfig.Gateway(d.writeBufferLowBytes(), d.writeBufferHighBytes(), d.maxOutboundBytes(),
                d.slowClientTimeout(), d.closeTimeout(), d.requestTimeout(), d.loginTimeout(), d.maxInitialLineBytes(),
                d.maxHeaderBytes(), d.requestsPerSecond(), d.requestBurst(), d.maxMessagesPerRead(), d.maxConnections(), max);
    }

    @Test
    void aRelayHeaderTheNodeCannotVerifyIsRefused() throws Exception {
        try (ClusterRig rig = ClusterRig.start(1, LEASE); TestServer single = TestServer.start()) {
            int port = rig.node(0).server().port();
            InetAddress fake = InetAddress.getByName("10.9.8.7");
            String good = new RelayAuth(ClusterRig.SECRET, Clock.systemUTC()).sign(fake, "node-x");
            String forged = good.substring(0, good.lastIndexOf(' ') + 1) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
            String otherSecret = new RelayAuth("another-cluster-secret-0123", Clock.systemUTC()).sign(fake, "node-x");
            String stale = new RelayAuth(ClusterRig.SECRET, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-5)))
                    .sign(fake, "node-x");
            String otherAddress = good.replace("10.9.8.7", "10.9.8.8");
            for (String[] c : new String[][] {{forged, "signature does not match"}, {otherSecret, "signature does not match"},
                    {otherAddress, "signature does not match"}, {stale, "away from this node's clock"},
                    {"v1 10.9.8.7", "malformed"}}) {
                try (RawSocket s = RawSocket.connect(port)) {
                    String head = s.upgradeWith(RelayAuth.HEADER + ": " + c[0] + "\r\n");
                    assertThat(head).as("header %s", c[0]).startsWith("HTTP/1.1 403").contains(c[1]);
                    assertThat(s.closedByPeer()).isTrue();
                }
            }
            // A correctly signed header is taken, and the session is the client's.
            try (RawSocket s = RawSocket.connect(port)) {
                assertThat(s.upgradeWith(RelayAuth.HEADER + ": " + good + "\r\n")).startsWith("HTTP/1.1 101");
            }
            // A node outside any cluster takes no relayed session at all, whatever it is signed with.
            try (RawSocket s = RawSocket.connect(single.server().port())) {
                assertThat(s.upgradeWith(RelayAuth.HEADER + ": " + good + "\r\n")).startsWith("HTTP/1.1 403")
                        .contains("takes no relayed sessions");
            }
        }
    }

    @Test
    void racingFirstLoginsOfOneRoomOnEveryNodePlaceItOnce() throws Exception {
        try (ClusterRig rig = ClusterRig.start(3, LEASE)) {
            int rooms = 6;
            List<CompletableFuture<Result>> logins = new ArrayList<>();
            for (int r = 0; r < rooms; r++) {
                for (int n = 0; n < 3; n++) {
                    String u = "u" + r + "-" + n;
                    logins.add(rig.engine(n).loginRoom("race-" + r, token(u), user(u), null));
                }
            }
            for (CompletableFuture<Result> f : logins) {
                Result res = f.get(20, TimeUnit.SECONDS);
                assertThat(res.code()).as("login: %s", res.message()).isZero();
            }
            for (int r = 0; r < rooms; r++) {
                int host = hostOf(rig, "race-" + r);
                assertThat(rig.node(host).server().rooms().snapshot(TestServer.APP, "race-" + r).join().userIds())
                        .containsExactlyInAnyOrder("u" + r + "-0", "u" + r + "-1", "u" + r + "-2");
                assertThat(rig.redisCommands().get("parley:" + TestServer.APP + ":room:race-" + r)).contains("#node-" + host + "/");
            }
        }
    }

    @Test
    void aSessionRelayedFromOneNodeResumesThroughAnotherOnTheNodeThatHoldsIt() throws Exception {
        try (ClusterRig rig = ClusterRig.start(3, LEASE)) {
            ParleyEngine host = rig.engine(0);
            Pushes ph = Pushes.on(host);
            assertThat(host.loginRoom("resume", token("host"), user("host"), withUserUpdates()).get(10, TimeUnit.SECONDS).code()).isZero();
            JsonNode login;
            try (RawSocket first = RawSocket.connect(rig.node(1).server().port()).upgrade()) {
                login = loginTo(first, "resume", "wanderer");
                assertThat(login.path("code").asInt()).isZero();
                ph.await(Messages.ROOM_USER_UPDATE, p -> p.type().equals("ADD") && p.userIds().contains("wanderer"));
            } // dropped without a close frame: the room node keeps the session for heartbeatTimeout
            assertThat(rig.node(0).server().rooms().app(TestServer.APP).sessionOf("wanderer")).isNotNull();
            try (RawSocket again = RawSocket.connect(rig.node(2).server().port()).upgrade()) {
                again.sendText("{\"id\":\"r1\",\"type\":\"resumeSession\",\"data\":{\"appID\":" + TestServer.APP
                        + ",\"roomID\":\"resume\",\"userID\":\"wanderer\",\"sessionID\":\""
                        + login.path("data").path("sessionID").asText() + "\",\"resumeToken\":\""
                        + login.path("data").path("resumeToken").asText() + "\",\"lastSeq\":0}}");
                JsonNode resumed = reply(again, "r1");
                assertThat(resumed.path("code").asInt()).as("resume through node-2: %s", resumed).isZero();
                assertThat(resumed.path("data").path("roomIDs").get(0).asText()).isEqualTo("resume");
                // The other members saw nothing: no DELETE of the wanderer.
                assertThat(ph.count(Messages.ROOM_USER_UPDATE, p -> p.type().equals("DELETE"))).isZero();
                assertThat(rig.node(2).server().rooms().memberCount()).isZero();
            }
        }
    }

    @Test
    void aFurtherRoomOfAMultiRoomSessionHostedOnAnotherNodeIsRefusedWithItsOwnCode() throws Exception {
        try (ClusterRig rig = ClusterRig.start(0, LEASE)) {
            java.util.function.UnaryOperator<ParleyConfig> multi = c -> c.withApps(List.of(
                    new io.parley.server.config.AppConfig(TestServer.APP, TestServer.SECRET).withMultiRoom(true)));
            rig.addNode("node-0", multi);
            rig.addNode("node-1", multi);
            ParleyEngine far = rig.engine(1);
            assertThat(far.loginRoom("far", token("far"), user("far"), null).get(10, TimeUnit.SECONDS).code()).isZero();
            ParleyEngine alice = rig.engine(0);
            Messages.RoomConfig multiRoom = new Messages.RoomConfig(true, 0, true);
            assertThat(alice.loginRoom("near", token("alice"), user("alice"), multiRoom).get(10, TimeUnit.SECONDS).code()).isZero();
            Result refused = alice.loginRoom("far", token("alice"), user("alice"), multiRoom).get(10, TimeUnit.SECONDS);
            assertThat(refused.code()).isEqualTo(ErrorCode.MULTI_ROOM_OTHER_NODE);
            assertThat(refused.message()).contains("room 'far' is hosted on node node-1");
            // A further room nobody hosts yet opens next to the session's.
            assertThat(alice.loginRoom("fresh", token("alice"), user("alice"), multiRoom).get(10, TimeUnit.SECONDS).code()).isZero();
            assertThat(hostOf(rig, "fresh")).isZero();
        }
    }

    private static JsonNode loginTo(RawSocket s, String room, String userId) throws java.io.IOException {
        String id = "l" + (++ids);
        s.sendText("{\"id\":\"" + id + "\",\"type\":\"loginRoom\",\"data\":{\"appID\":" + TestServer.APP
                + ",\"roomID\":\"" + room + "\",\"token\":\"" + token(userId) + "\",\"user\":{\"userID\":\"" + userId
                + "\",\"userName\":\"" + userId + "\"}}}");
        return reply(s, id);
    }

    private static JsonNode reply(RawSocket s, String id) throws java.io.IOException {
        while (true) {
            JsonNode n = SignalCodec.MAPPER.readTree(s.readText());
            if (id.equals(n.path("id").asText(null)) && n.has("code")) {
                return n;
            }
        }
    }
}
