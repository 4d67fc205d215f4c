package io.parley.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The whole configuration as one record tree with one {@link #DEFAULTS} value. Every key is documented in
 * docs/configuration.md.
 */
public record ParleyConfig(Server server, Session session, Media media, List<AppConfig> apps, boolean dev) {

    /** Network side of the gateway. */
    public record Server(String host, int port, int maxFrameBytes, int ioThreads) {
        public static final int MAX_FRAME_BYTES = 64 * 1024;
        public static final Server DEFAULTS = new Server("0.0.0.0", 8080, MAX_FRAME_BYTES, 0);
    }

    /** Session liveness: the heartbeat interval told to clients and the silence after which a session is removed. */
    public record Session(Duration heartbeatInterval, Duration heartbeatTimeout) {
        public static final Session DEFAULTS = new Session(Duration.ofSeconds(30), Duration.ofSeconds(90));
    }

    /**
     * The media plane: one UDP port for all transports; the address announced in SDP answers (empty: the first
     * non-loopback IPv4 address of the host, else 127.0.0.1); how long a transport may go without ICE, DTLS or
     * consent before it is closed.
     */
    public record Media(String bindAddress, int port, String announcedAddress, Duration iceTimeout) {
        public static final Media DEFAULTS = new Media("0.0.0.0", 10000, "", Duration.ofSeconds(30));
    }

    public static final ParleyConfig DEFAULTS = new ParleyConfig(Server.DEFAULTS, Session.DEFAULTS, Media.DEFAULTS,
            List.of(), false);

    public ParleyConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(media, "media");
        apps = List.copyOf(apps);
    }

    public ParleyConfig withServer(Server s) {
        return new ParleyConfig(s, session, media, apps, dev);
    }

    public ParleyConfig withSession(Session s) {
        return new ParleyConfig(server, s, media, apps, dev);
    }

    public ParleyConfig withMedia(Media m) {
        return new ParleyConfig(server, session, m, apps, dev);
    }

    public ParleyConfig withApps(List<AppConfig> a) {
        return new ParleyConfig(server, session, media, a, dev);
    }

    public ParleyConfig withDev(boolean d) {
        return new ParleyConfig(server, session, media, apps, d);
    }
}
