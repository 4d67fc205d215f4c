package io.parley.server.config;

import io.parley.server.rtmp.RtmpConfig;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The whole configuration as one record tree with one {@link #DEFAULTS} value. Every key is documented in
 * docs/configuration.md; {@link ConfigLoader} decodes it from YAML and the environment, strictly.
 */
public record ParleyConfig(Server server, Session session, Media media, RtmpConfig rtmp, Auth auth, Shutdown shutdown, Log log,
                           List<AppConfig> apps, boolean dev, Api api, Webhook webhook) {

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
     * The media plane's UDP side. {@code announcedAddress} is the address put in ICE candidates; empty means
     * {@link #resolvedAnnouncedAddress()}. A transport whose peer stops answering STUN for {@code iceTimeout} is closed.
     */
    public record Media(int port, String announcedAddress, String bindAddress, Duration iceTimeout) {
        public static final Media DEFAULTS = new Media(10000, "", "0.0.0.0", Duration.ofSeconds(30));

        /** The configured address, or the first non-loopback IPv4 address of this host, or 127.0.0.1. */
        public String resolvedAnnouncedAddress() {
            if (announcedAddress != null && !announcedAddress.isEmpty()) {
                return announcedAddress;
            }
            try {
                for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    if (!nif.isUp() || nif.isLoopback()) {
                        continue;
                    }
                    for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                            return a.getHostAddress();
                        }
                    }
                }
            } catch (SocketException e) {
                // No interface list: fall through to loopback.
            }
            return "127.0.0.1";
        }
    }

    /**
     * Login security: how far a JWT's iat/nbf may lie ahead of this clock, and the failed-login budgets per source
     * address and per App (failures per window; 0 turns a budget off), with the number of addresses tracked.
     */
    public record Auth(Duration clockSkew, int failedLoginsPerAddress, int failedLoginsPerApp, Duration failedLoginWindow,
                       int maxTrackedAddresses) {
        public static final Auth DEFAULTS = new Auth(Duration.ofSeconds(60), 20, 600, Duration.ofMinutes(1), 100_000);
    }

    /** SIGTERM: how long rooms get to empty before the remaining members are kicked and the process exits. */
    public record Shutdown(Duration drainTimeout) {
        public static final Shutdown DEFAULTS = new Shutdown(Duration.ofSeconds(30));
    }

    /** Root log level: TRACE, DEBUG, INFO, WARN, ERROR or OFF. */
    public record Log(String level) {
        public static final Log DEFAULTS = new Log("INFO");
    }

    /**
     * The server API (a business server's signed HTTP calls) on a port of its own, kept off the public network.
     * {@code rateLimits} applies the reference's per-App (and per-room) limits of each action; {@code appQps} caps
     * all calls of one App per second (0: no cap); {@code maxNonces} bounds the replay cache (SignatureNonces seen in
     * the last 10 minutes; when it is full the oldest are forgotten first).
     */
    public record Api(boolean enabled, String host, int port, boolean rateLimits, int appQps, int maxNonces) {
        public static final Api DEFAULTS = new Api(true, "0.0.0.0", 8081, true, 500, 1_000_000);
    }

    /**
     * Webhooks: at most {@code queueCapacity} events waiting per App (more are dropped and counted), each POST given
     * {@code timeout}, retried after retryBase × 1, 2, 4, 8, 16 ({@code maxRetries} times), then dropped and counted;
     * at most {@code maxInFlight} requests per App at once (one per room: a room's events go in order).
     */
    public record Webhook(int queueCapacity, Duration timeout, Duration retryBase, int maxRetries, int maxInFlight) {
        public static final Webhook DEFAULTS = new Webhook(10_000, Duration.ofSeconds(5), Duration.ofSeconds(2), 5, 32);
    }

    public static final ParleyConfig DEFAULTS = new ParleyConfig(Server.DEFAULTS, Session.DEFAULTS, Media.DEFAULTS,
            RtmpConfig.DEFAULTS, Auth.DEFAULTS, Shutdown.DEFAULTS, Log.DEFAULTS, List.of(), false, Api.DEFAULTS,
            Webhook.DEFAULTS);

    public ParleyConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(media, "media");
        Objects.requireNonNull(rtmp, "rtmp");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(webhook, "webhook");
        apps = List.copyOf(apps);
    }

    public ParleyConfig withServer(Server s) {
        return new ParleyConfig(s, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook);
    }

    public ParleyConfig withSession(Session s) {
        return new ParleyConfig(server, s, media, rtmp, auth, shutdown, log, apps, dev, api, webhook);
    }

    public ParleyConfig withMedia(Media m) {
        return new ParleyConfig(server, session, m, rtmp, auth, shutdown, log, apps, dev, api, webhook);
    }

    public ParleyConfig withRtmp(RtmpConfig r) {
        return new ParleyConfig(server, session, media, r, auth, shutdown, log, apps, dev, api, webhook);
    }

    public ParleyConfig withAuth(Auth a) {
        return new ParleyConfig(server, session, media, rtmp, a, shutdown, log, apps, dev, api, webhook);
    }

    public ParleyConfig withShutdown(Shutdown s) {
        return new ParleyConfig(server, session, media, rtmp, auth, s, log, apps, dev, api, webhook);
    }

    public ParleyConfig withLog(Log l) {
        return new ParleyConfig(server, session, media, rtmp, auth, shutdown, l, apps, dev, api, webhook);
    }

    public ParleyConfig withApps(List<AppConfig> a) {
        return new ParleyConfig(server, session, media, rtmp, auth, shutdown, log, a, dev, api, webhook);
    }

    public ParleyConfig withDev(boolean d) {
        return new ParleyConfig(server, session, media, rtmp, auth, shutdown, log, apps, d, api, webhook);
    }

    public ParleyConfig withApi(Api a) {
        return new ParleyConfig(server, session, media, rtmp, auth, shutdown, log, apps, dev, a, webhook);
    }

    public ParleyConfig withWebhook(Webhook w) {
        return new ParleyConfig(server, session, media, rtmp, auth, shutdown, log, apps, dev, api, w);
    }
}
