package io.parley.server.room;

import io.netty.channel.EventLoop;
import io.parley.protocol.UserId;
import io.parley.server.config.AppConfig;

/** Sessions for tests outside this package that drive a seam (a ClaimStore) without a gateway or a room. */
public final class TestSessions {
    private TestSessions() {}

    /** A session of App {@code appId} logging in as {@code user}, with no connection; completions run on {@code home}. */
    public static Session loggingIn(long id, EventLoop home, long appId, String user) {
        Session s = new Session(id, home, null);
        s.app = new AppSpace(new AppConfig(appId, "0123456789abcdef0123456789abcdef"));
        s.userId = new UserId(user);
        return s;
    }
}
