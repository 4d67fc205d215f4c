package io.parley.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The whole configuration as one record tree with one {@link #DEFAULTS} value. Every key is documented in
 * docs/configuration.md.
 */
public record ParleyConfig(Server server, Session session, List<AppConfig> apps, boolean dev) {

    /** Network side of the gateway. */
    public record Server(String host, int port, int maxFrameBytes, int ioThreads) {
        public static final int MAX_FRAME_BYTES = 64 * 1024;
        public static final Server DEFAULTS = new Server("0.0.0.0", 8080, MAX_FRAME_BYTES, 0);
    }

    /** Session liveness: the heartbeat interval told to clients and the silence after which a session is removed. */
    public record Session(Duration heartbeatInterval, Duration heartbeatTimeout) {
        public static final Session DEFAULTS = new Session(Duration.ofSeconds(30), Duration.ofSeconds(90));
    }

    public static final ParleyConfig DEFAULTS = new ParleyConfig(Server.DEFAULTS, Session.DEFAULTS, List.of(), false);

    public ParleyConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(session, "session");
        apps = List.copyOf(apps);
    }

    public ParleyConfig withServer(Server s) {
        return new ParleyConfig(s, session, apps, dev);
    }

    public ParleyConfig withSession(Session s) {
        return new ParleyConfig(server, s, apps, dev);
    }

    public ParleyConfig withApps(List<AppConfig> a) {
        return new ParleyConfig(server, session, a, dev);
    }

    public ParleyConfig withDev(boolean d) {
        return new ParleyConfig(server, session, apps, d);
    }
}
