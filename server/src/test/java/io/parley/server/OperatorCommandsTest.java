package io.parley.server;

import static io.parley.server.TestServer.token;
import static io.parley.server.TestServer.user;
import static io.parley.server.TestServer.withUserUpdates;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyEngine;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.SignalCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code parley rooms}, {@code parley users ROOM}, {@code parley kick ROOM USER...} against a running server's API. */
class OperatorCommandsTest {
    private TestServer server;
    private final List<ParleyEngine> engines = new ArrayList<>();

    /** What one command printed and its exit status. */
    record Run(int code, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        engines.forEach(ParleyEngine::close);
        server.close();
    }

    private Run parley(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private String[] withTarget(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--api", "http://127.0.0.1:" + server.server().apiPort(), "--app", Long.toString(TestServer.APP),
                "--secret", TestServer.SECRET));
        return all.toArray(String[]::new);
    }

    private ParleyEngine login(String room, String userId) throws Exception {
        ParleyEngine e = server.engine();
        engines.add(e);
        assertThat(e.loginRoom(room, token(userId), user(userId), withUserUpdates()).get(10, TimeUnit.SECONDS).code()).isZero();
        return e;
    }

    @Test
    void roomsListsOpenRoomsWithTheirCounts() throws Exception {
        assertThat(parley(withTarget("rooms")).out()).contains("no open rooms for App " + TestServer.APP);
        ParleyEngine alice = login("cli-a", "alice");
        login("cli-a", "bob");
        login("cli-b", "carol");
        assertThat(alice.request(Messages.START_PUBLISHING, new Messages.StartPublishing("alice-mic", "", null))
                .get(10, TimeUnit.SECONDS).code()).isZero();

        Run r = parley(withTarget("rooms"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                String.format("%-40s %6s %8s", "ROOM", "USERS", "STREAMS"),
                String.format("%-40s %6d %8d", "cli-a", 2, 1),
                String.format("%-40s %6d %8d", "cli-b", 1, 0));

        JsonNode json = SignalCodec.MAPPER.readTree(parley(withTarget("rooms", "--json")).out());
        assertThat(json.size()).isEqualTo(2);
        assertThat(json.get(0).path("RoomId").asText()).isEqualTo("cli-a");
    }

    @Test
    void roomsPagesThroughMoreRoomsThanOnePage() throws Exception {
        for (int i = 0; i < 205; i++) {
            login(String.format("page-%03d", i), "u" + i);
        }
        Run r = parley(withTarget("rooms", "--json"));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = SignalCodec.MAPPER.readTree(r.out());
        assertThat(json.size()).isEqualTo(205);
        assertThat(json.get(204).path("RoomId").asText()).isEqualTo("page-204");
    }

    @Test
    void usersListsTheMembersOfARoom() throws Exception {
        login("cli-u", "alice");
        login("cli-u", "bob");
        Run r = parley(withTarget("users", "cli-u"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(String.format("%-40s %s", "USER", "NAME"),
                String.format("%-40s %s", "alice", "name-alice"), String.format("%-40s %s", "bob", "name-bob"));
        assertThat(parley(withTarget("users", "nobody-here")).out()).contains("no members in room nobody-here");
    }

    @Test
    void kickRemovesTheUserWhoIsToldTheReason() throws Exception {
        ParleyEngine bob = login("cli-k", "bob");
        login("cli-k", "alice");
        Pushes pushes = Pushes.on(bob);
        Run r = parley(withTarget("kick", "cli-k", "bob", "--reason", "spam"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("kicked from cli-k: bob");
        Pushes.Push kick = pushes.await(Messages.ROOM_STATE_CHANGED, p -> p.data().path("reason").asText().equals("KICKOUT"));
        assertThat(kick.data().path("errorCode").asInt()).isEqualTo(ErrorCode.KICKED_BY_SERVER);
        assertThat(kick.data().path("extendedData").asText()).contains("spam");
        assertThat(parley(withTarget("users", "cli-k")).out()).contains("alice").doesNotContain("bob");
    }

    @Test
    void failuresAreOneLineWithAnExitStatus() throws Exception {
        Run wrongSecret = parley("rooms", "--api", "http://127.0.0.1:" + server.server().apiPort(), "--app",
                Long.toString(TestServer.APP), "--secret", "0".repeat(32));
        assertThat(wrongSecret.code()).isEqualTo(1);
        assertThat(wrongSecret.err()).startsWith("parley: DescribeRoomList refused: Code ");

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Run unreachable = parley("users", "r", "--api", "http://127.0.0.1:" + closed, "--app", "1", "--secret", "s");
        assertThat(unreachable.code()).isEqualTo(1);
        assertThat(unreachable.err()).contains("cannot reach the server API at http://127.0.0.1:" + closed);

        Run gateway = parley("rooms", "--api", "http://127.0.0.1:" + server.server().port(), "--app", "1", "--secret", "s");
        assertThat(gateway.code()).isEqualTo(1);
        assertThat(gateway.err()).contains("is not a server API answer");

        Run noApp = parley("rooms", "--api", "http://127.0.0.1:1", "--secret", "s");
        assertThat(noApp.code()).isEqualTo(2);
        assertThat(noApp.err()).contains("--app: missing");
    }
}
