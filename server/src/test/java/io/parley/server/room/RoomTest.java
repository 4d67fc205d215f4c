package io.parley.server.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.RoomId;
import io.parley.protocol.StreamId;
import io.parley.protocol.UserId;
import io.parley.protocol.signal.Messages;
import io.parley.protocol.signal.StreamDeleteCode;
import org.junit.jupiter.api.Test;

/** A room through its seams: typed requests in, typed signals and RoomEvents out; no sockets, no JSON. */
class RoomTest {
    private static final RoomId R = new RoomId("r1");

    @Test
    void joinsAndLeavesEmitRoomEventsInOrder() {
        try (RoomRig rig = new RoomRig()) {
            RoomRig.Client a = rig.login("a", "r1", true);
            RoomRig.Client b = rig.login("b", "r1", true);
            rig.rooms.logout(a.session, RequestRef.NONE, new Messages.LogoutRoom("r1"));
            rig.run();
            rig.rooms.connectionClosed(b.session);
            rig.run();

            assertThat(rig.events).containsExactly(
                    new RoomEvent.RoomCreated(RoomRig.APP, R),
                    new RoomEvent.UserJoined(RoomRig.APP, R, new UserId("a"), "name-a"),
                    new RoomEvent.UserJoined(RoomRig.APP, R, new UserId("b"), "name-b"),
                    new RoomEvent.UserLeft(RoomRig.APP, R, new UserId("a"), LeaveReason.LOGOUT),
                    new RoomEvent.UserLeft(RoomRig.APP, R, new UserId("b"), LeaveReason.CONNECTION_CLOSED),
                    new RoomEvent.RoomClosed(RoomRig.APP, R));
            assertThat(a.of(Signal.Reply.class)).extracting(Signal.Reply::type, Signal.Reply::code)
                    .containsExactly(tuple(Messages.LOGIN_ROOM, ErrorCode.OK),
                            tuple(Messages.LOGOUT_ROOM, ErrorCode.OK));
            assertThat(a.of(Signal.RoomUserUpdate.class)).extracting(u -> u.data().updateType())
                    .containsExactly(Messages.ADD);
            assertThat(b.of(Signal.RoomUserUpdate.class)).extracting(u -> u.data().updateType())
                    .containsExactly(Messages.ADD, Messages.DELETE);
        }
    }

    @Test
    void aFanOutIsOneSharedPushForEveryRecipient() {
        try (RoomRig rig = new RoomRig()) {
            RoomRig.Client a = rig.login("a", "r1", true);
            RoomRig.Client b = rig.login("b", "r1", true);
            RoomRig.Client c = rig.login("c", "r1", true);
            a.received.clear();
            b.received.clear();
            c.received.clear();
            rig.rooms.startPublishing(c.session, RequestRef.NONE, new Messages.StartPublishing("s1", "x"));
            rig.run();

            Signal toA = a.received.get(0);
            assertThat(toA).isInstanceOf(Signal.Shared.class).isSameAs(b.received.get(0));
            int[] encodings = {0};
            byte[] first = ((Signal.Shared) toA).encoded(p -> new byte[] {(byte) ++encodings[0]});
            byte[] second = ((Signal.Shared) b.received.get(0)).encoded(p -> new byte[] {(byte) ++encodings[0]});
            assertThat(second).isSameAs(first);
            assertThat(encodings[0]).as("encoded once however many members get it").isEqualTo(1);
            assertThat(c.of(Signal.RoomStreamUpdate.class)).as("nobody is told about themselves").isEmpty();
            assertThat(c.lastReply().code()).isEqualTo(ErrorCode.OK);
            assertThat(rig.events).last().isEqualTo(
                    new RoomEvent.StreamCreated(RoomRig.APP, R, new UserId("c"), new StreamId("s1"), "x"));
        }
    }

    @Test
    void streamsCloseWithTheirCodeWhenStoppedOrWhenTheirPublisherIsKicked() {
        try (RoomRig rig = new RoomRig()) {
            RoomRig.Client a = rig.login("a", "r1", false);
            rig.rooms.startPublishing(a.session, RequestRef.NONE, new Messages.StartPublishing("s1", ""));
            rig.rooms.startPublishing(a.session, RequestRef.NONE, new Messages.StartPublishing("s2", ""));
            rig.run();
            rig.rooms.stopPublishing(a.session, RequestRef.NONE, new Messages.StopPublishing("s1"));
            rig.run();
            RoomRig.Client again = rig.login("a", "r1", false); // same userID: the earlier session is kicked
            rig.run();

            assertThat(rig.events).containsExactly(
                    new RoomEvent.RoomCreated(RoomRig.APP, R),
                    new RoomEvent.UserJoined(RoomRig.APP, R, new UserId("a"), "name-a"),
                    new RoomEvent.StreamCreated(RoomRig.APP, R, new UserId("a"), new StreamId("s1"), ""),
                    new RoomEvent.StreamCreated(RoomRig.APP, R, new UserId("a"), new StreamId("s2"), ""),
                    new RoomEvent.StreamClosed(RoomRig.APP, R, new UserId("a"), new StreamId("s1"),
                            StreamDeleteCode.STOP_PUBLISHING),
                    new RoomEvent.StreamClosed(RoomRig.APP, R, new UserId("a"), new StreamId("s2"),
                            StreamDeleteCode.REPEAT_LOGIN),
                    new RoomEvent.UserLeft(RoomRig.APP, R, new UserId("a"), LeaveReason.KICKED_MULTIPLE_LOGIN),
                    // the room emptied before the new login reached it: it closed, and the login opened a fresh one
                    new RoomEvent.RoomClosed(RoomRig.APP, R),
                    new RoomEvent.RoomCreated(RoomRig.APP, R),
                    new RoomEvent.UserJoined(RoomRig.APP, R, new UserId("a"), "name-a"));
            assertThat(a.closeStatus).isEqualTo(1000);
            assertThat(again.lastReply().code()).isEqualTo(ErrorCode.OK);
        }
    }

    @Test
    void aFullRoomRefusesTheLoginWithItsCode() {
        try (RoomRig rig = new RoomRig()) {
            RoomRig.Client a = rig.connect();
            rig.rooms.login(a.session, RequestRef.NONE, new Messages.LoginRoom(RoomRig.APP, "r1", RoomRig.token("a"),
                    new Messages.User("a", "a"), new Messages.RoomConfig(false, 1)));
            rig.run();
            RoomRig.Client b = rig.login("b", "r1", false);
            assertThat(b.lastReply().code()).isEqualTo(ErrorCode.ROOM_FULL);
            assertThat(rig.events).extracting(e -> e.getClass().getSimpleName())
                    .containsExactly("RoomCreated", "UserJoined");
        }
    }

    @Test
    void aLoginOvertakenOnItsWayByALaterLoginOfTheSameUserFailsNamingItsRoom() {
        try (RoomRig rig = new RoomRig()) {
            // Two logins of "a" on two connections, both on their way to the room; the later claim wins.
            RoomRig.Client first = rig.connect();
            rig.rooms.login(first.session, RequestRef.NONE, new Messages.LoginRoom(RoomRig.APP, "r1", RoomRig.token("a"),
                    new Messages.User("a", "a"), new Messages.RoomConfig(false, 0)));
            RoomRig.Client second = rig.connect();
            rig.rooms.login(second.session, RequestRef.NONE, new Messages.LoginRoom(RoomRig.APP, "r1", RoomRig.token("a"),
                    new Messages.User("a", "a"), new Messages.RoomConfig(false, 0)));
            rig.run();
            assertThat(second.lastReply().code()).isZero();
            assertThat(first.lastReply().code()).isEqualTo(ErrorCode.KICKED_MULTIPLE_LOGIN);
            // It never got in, so it is not KICKOUT (and never one naming no room): its login failed, for its room.
            assertThat(first.of(Signal.RoomStateChanged.class))
                    .extracting(Signal.RoomStateChanged::roomId, Signal.RoomStateChanged::reason, Signal.RoomStateChanged::code)
                    .containsExactly(tuple("r1", io.parley.protocol.signal.RoomStateReason.LOGIN_FAILED,
                            ErrorCode.KICKED_MULTIPLE_LOGIN));
            assertThat(first.closeStatus).isEqualTo(1000);
            assertThat(rig.events).extracting(e -> e.getClass().getSimpleName())
                    .containsExactly("RoomCreated", "UserJoined");
        }
    }
}
