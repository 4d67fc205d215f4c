package io.parley.server.room;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.protocol.signal.Messages;
import io.parley.server.auth.JwtTokens;
import io.parley.server.auth.TokenVerifier;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import io.parley.server.sfu.MediaClock;
import io.parley.server.sfu.MediaPlane;
import io.parley.server.sfu.MediaSessions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The registry driven without sockets or threads: rooms, sessions and the media plane all run on one
 * {@link EmbeddedChannel}'s loop, and each step runs the tasks it queued. Sessions' signals are kept as records.
 */
final class RoomRig implements AutoCloseable {
    static final long APP = 42;
    static final String SECRET = "0123456789abcdef0123456789abcdef";

    final EmbeddedChannel loop = new EmbeddedChannel();
    final MediaPlane plane = MediaPlane.attachedTo(new ParleyConfig.Media(0, "127.0.0.1", "127.0.0.1", Duration.ofSeconds(10)),
            loop, MediaClock.SYSTEM);
    final List<RoomEvent> events = new ArrayList<>();
    final RoomService rooms = new RoomService(List.of(new AppConfig(APP, SECRET)), loop.eventLoop(),
            new TokenVerifier(Clock.systemUTC()), ParleyConfig.Session.DEFAULTS,
            // joins announced at once: these tests look at each push as its decision makes it (LargeRoomTest: batches)
            new ParleyConfig.Limits(8, 500, 10_000, 500, Duration.ZERO), new RoomEvents() {}, new MediaSessions(plane));

    RoomRig() {
        rooms.subscribe(events::add);
    }

    /** A session whose connection keeps what it is sent. */
    static final class Client implements Connection {
        final List<Signal> received = new ArrayList<>();
        Session session;
        int closeStatus = -1;

        @Override
        public void send(Signal signal) {
            received.add(signal);
        }

        @Override
        public void close(int status, String reason) {
            closeStatus = status;
        }

        <T extends Signal> List<T> of(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (Signal s : received) {
                Signal x = s instanceof Signal.Shared sh ? sh.push() : s;
                if (type.isInstance(x)) {
                    out.add(type.cast(x));
                }
            }
            return out;
        }

        Signal.Reply lastReply() {
            List<Signal.Reply> r = of(Signal.Reply.class);
            return r.get(r.size() - 1);
        }
    }

    Client connect() {
        Client c = new Client();
        c.session = rooms.open(loop.eventLoop(), c);
        return c;
    }

    Client login(String user, String room, boolean userUpdate) {
        Client c = connect();
        rooms.login(c.session, RequestRef.NONE, new Messages.LoginRoom(APP, room, token(user),
                new Messages.User(user, "name-" + user), new Messages.RoomConfig(userUpdate, 0)));
        run();
        return c;
    }

    void run() {
        loop.runPendingTasks();
    }

    static String token(String user) {
        Instant now = Instant.now();
        return JwtTokens.mint(APP, user, SECRET.getBytes(StandardCharsets.UTF_8), now.minusSeconds(5),
                now.plus(Duration.ofHours(1)), null, true, true, null);
    }

    @Override
    public void close() {
        loop.finishAndReleaseAll();
    }
}
