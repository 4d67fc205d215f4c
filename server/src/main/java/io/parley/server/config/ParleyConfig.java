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
public record ParleyConfig(Server server, Gateway gateway, Limits limits, Management management, Session session, Media media,
                           RtmpConfig rtmp, Auth auth, Shutdown shutdown, Log log, List<AppConfig> apps, boolean dev,
                           Api api, Webhook webhook, RoomFeatures room, Turn turn, Cluster cluster) {

    /** Network side of the gateway. */
    public record Server(String host, int port, int maxFrameBytes, int ioThreads) {
        public static final int MAX_FRAME_BYTES = 64 * 1024;
        public static final Server DEFAULTS = new Server("0.0.0.0", 8080, MAX_FRAME_BYTES, 0);
    }

    /**
     * What one connection may cost the gateway: outbound bytes (water marks, a hard cap, how long it may stay above the
     * high mark), deadlines (HTTP request or upgrade, login, the close handshake), request-line and header sizes, the
     * request rate (token bucket), reads per loop turn, and connections per node and per source address.
     */
    public record Gateway(int writeBufferLowBytes, int writeBufferHighBytes, int maxOutboundBytes, Duration slowClientTimeout,
                          Duration closeTimeout, Duration requestTimeout, Duration loginTimeout, int maxInitialLineBytes,
                          int maxHeaderBytes, int requestsPerSecond, int requestBurst, int maxMessagesPerRead,
                          int maxConnections, int maxConnectionsPerAddress) {
        public static final Gateway DEFAULTS = new Gateway(64 * 1024, 256 * 1024, 4 * 1024 * 1024, Duration.ofSeconds(5),
                Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(10), 4096, 8192, 50, 200, 4,
                10_000, 256);
    }

    /**
     * Room-side bounds: streams per user and per room (which bounds the login's stream list), rooms per App. Large
     * rooms: only the first {@code userUpdateLimit} members present send and get {@code roomUserUpdate} (ZEGO's 500
     * rule); joins within {@code joinCoalesceWindow} of each other reach each member as one {@code roomUserUpdate}.
     */
    public record Limits(int maxStreamsPerUser, int maxStreamsPerRoom, int maxRoomsPerApp, int userUpdateLimit,
                         Duration joinCoalesceWindow) {
        public static final Limits DEFAULTS = new Limits(8, 500, 10_000, 500, Duration.ofMillis(50));

        public Limits(int maxStreamsPerUser, int maxStreamsPerRoom, int maxRoomsPerApp) {
            this(maxStreamsPerUser, maxStreamsPerRoom, maxRoomsPerApp, DEFAULTS.userUpdateLimit, DEFAULTS.joinCoalesceWindow);
        }
    }

    /** /metrics, /healthz, /readyz on a port of their own (then the public port answers 404 for them). */
    public record Management(boolean enabled, String host, int port) {
        public static final Management DEFAULTS = new Management(false, "0.0.0.0", 8082);
    }

    /**
     * Session liveness: the heartbeat interval told to clients and the silence after which a session is removed; a
     * dropped session may be resumed within that silence, and is sent up to {@code replayBuffer} pushes it missed.
     */
    public record Session(Duration heartbeatInterval, Duration heartbeatTimeout, int replayBuffer) {
        public static final Session DEFAULTS = new Session(Duration.ofSeconds(30), Duration.ofSeconds(90), 512);

        public Session(Duration heartbeatInterval, Duration heartbeatTimeout) {
            this(heartbeatInterval, heartbeatTimeout, DEFAULTS.replayBuffer);
        }
    }

    /**
     * The media plane's UDP side. {@code announcedAddress} is the address put in ICE candidates; empty means
     * {@link #resolvedAnnouncedAddress()}. A transport whose peer stops answering STUN for {@code iceTimeout} is closed.
     * A player's NACKs get each packet at most {@code nackMaxResends} times, and retransmissions per player at most
     * {@code retransmitBudgetPercent} of the stream's bitrate. STUN error replies (400, 401) go to each source address
     * at most {@code stunErrorRepliesPerSecond} times a second; requests for unknown ufrags get none. A DTLS handshake
     * starts at the peer's first DTLS datagram and fails after {@code dtlsHandshakeTimeout}, or sooner when the peer is
     * silent for {@code dtlsStallTimeout}; at most {@code dtlsMaxHandshakes} run at once, and at most
     * {@code dtlsMaxHandshakesPerAddress}, {@code ...PerSession} and {@code ...PerApp} of them per source address,
     * session and App. {@code announcedAddresses} (comma-separated) adds more candidate addresses (IPv6, dual stack);
     * {@code bindAddress} may list one address per family ({@code 0.0.0.0,::}). With {@code tcp} on, each address is
     * also announced as an ICE-TCP passive candidate on {@code tcpPort} (0: the number of {@code port}, or any free
     * port when that is 0), at most {@code tcpMaxConnections} connections open and {@code tcpMaxConnectionsPerAddress}
     * per source address. {@code loops} media event loops (0: one per core) each read their own UDP socket on the
     * media port ({@code SO_REUSEPORT}; one loop without epoll).
     */
    public record Media(int port, String announcedAddress, String bindAddress, Duration iceTimeout, int nackMaxResends,
                        int retransmitBudgetPercent, int stunErrorRepliesPerSecond, Duration dtlsHandshakeTimeout,
                        Duration dtlsStallTimeout, int dtlsMaxHandshakes, int dtlsMaxHandshakesPerAddress,
                        int dtlsMaxHandshakesPerSession, int dtlsMaxHandshakesPerApp, String announcedAddresses,
                        boolean tcp, int tcpPort, int tcpMaxConnections, int tcpMaxConnectionsPerAddress, int loops) {
        public static final Media DEFAULTS = new Media(10000, "", "0.0.0.0", Duration.ofSeconds(30), 3, 100, 5,
                Duration.ofSeconds(10), Duration.ofSeconds(5), 128, 16, 8, 64, "", true, 0, 1024, 16, 1);
        /** The most media loops a node may run (one per core is the point; more only adds hand-offs). */
        public static final int MAX_LOOPS = 256;

        public Media(int port, String announcedAddress, String bindAddress, Duration iceTimeout, int nackMaxResends,
                     int retransmitBudgetPercent, int stunErrorRepliesPerSecond, Duration dtlsHandshakeTimeout,
                     Duration dtlsStallTimeout, int dtlsMaxHandshakes, int dtlsMaxHandshakesPerAddress,
                     int dtlsMaxHandshakesPerSession, int dtlsMaxHandshakesPerApp, String announcedAddresses,
                     boolean tcp, int tcpPort, int tcpMaxConnections, int tcpMaxConnectionsPerAddress) {
            this(port, announcedAddress, bindAddress, iceTimeout, nackMaxResends, retransmitBudgetPercent,
                    stunErrorRepliesPerSecond, dtlsHandshakeTimeout, dtlsStallTimeout, dtlsMaxHandshakes,
                    dtlsMaxHandshakesPerAddress, dtlsMaxHandshakesPerSession, dtlsMaxHandshakesPerApp, announcedAddresses,
                    tcp, tcpPort, tcpMaxConnections, tcpMaxConnectionsPerAddress, 1); // media.loops default
        }

        /** The number of media loops ({@code loops}, 0 meaning one per core). */
        public Media withLoops(int n) {
            return new Media(port, announcedAddress, bindAddress, iceTimeout, nackMaxResends, retransmitBudgetPercent,
                    stunErrorRepliesPerSecond, dtlsHandshakeTimeout, dtlsStallTimeout, dtlsMaxHandshakes,
                    dtlsMaxHandshakesPerAddress, dtlsMaxHandshakesPerSession, dtlsMaxHandshakesPerApp, announcedAddresses,
                    tcp, tcpPort, tcpMaxConnections, tcpMaxConnectionsPerAddress, n);
        }

        /** {@code loops} resolved: 0 becomes the number of available processors. */
        public int resolvedLoops() {
            return loops > 0 ? loops : Math.max(1, Runtime.getRuntime().availableProcessors());
        }

        public Media(int port, String announcedAddress, String bindAddress, Duration iceTimeout, int nackMaxResends,
                     int retransmitBudgetPercent, int stunErrorRepliesPerSecond, Duration dtlsHandshakeTimeout,
                     Duration dtlsStallTimeout, int dtlsMaxHandshakes, int dtlsMaxHandshakesPerAddress,
                     int dtlsMaxHandshakesPerSession, int dtlsMaxHandshakesPerApp) {
            this(port, announcedAddress, bindAddress, iceTimeout, nackMaxResends, retransmitBudgetPercent,
                    stunErrorRepliesPerSecond, dtlsHandshakeTimeout, dtlsStallTimeout, dtlsMaxHandshakes,
                    dtlsMaxHandshakesPerAddress, dtlsMaxHandshakesPerSession, dtlsMaxHandshakesPerApp,
                    DEFAULTS.announcedAddresses, DEFAULTS.tcp, DEFAULTS.tcpPort, DEFAULTS.tcpMaxConnections,
                    DEFAULTS.tcpMaxConnectionsPerAddress);
        }

        /** The network keys only; the hardening limits keep their defaults (tests, benchmarks). */
        public Media(int port, String announcedAddress, String bindAddress, Duration iceTimeout) {
            this(port, announcedAddress, bindAddress, iceTimeout, DEFAULTS.nackMaxResends, DEFAULTS.retransmitBudgetPercent,
                    DEFAULTS.stunErrorRepliesPerSecond, DEFAULTS.dtlsHandshakeTimeout, DEFAULTS.dtlsStallTimeout,
                    DEFAULTS.dtlsMaxHandshakes, DEFAULTS.dtlsMaxHandshakesPerAddress, DEFAULTS.dtlsMaxHandshakesPerSession,
                    DEFAULTS.dtlsMaxHandshakesPerApp);
        }

        public Media withDtlsLimits(int total, int perAddress, int perSession, int perApp) {
            return new Media(port, announcedAddress, bindAddress, iceTimeout, nackMaxResends, retransmitBudgetPercent,
                    stunErrorRepliesPerSecond, dtlsHandshakeTimeout, dtlsStallTimeout, total, perAddress, perSession, perApp,
                    announcedAddresses, tcp, tcpPort, tcpMaxConnections, tcpMaxConnectionsPerAddress, loops);
        }

        public Media withDtlsTimeouts(Duration handshake, Duration stall) {
            return new Media(port, announcedAddress, bindAddress, iceTimeout, nackMaxResends, retransmitBudgetPercent,
                    stunErrorRepliesPerSecond, handshake, stall, dtlsMaxHandshakes, dtlsMaxHandshakesPerAddress,
                    dtlsMaxHandshakesPerSession, dtlsMaxHandshakesPerApp, announcedAddresses, tcp, tcpPort,
                    tcpMaxConnections, tcpMaxConnectionsPerAddress, loops);
        }

        /** ICE-TCP on or off, its port and its connection caps. */
        public Media withTcp(boolean on, int port, int maxConnections, int maxPerAddress) {
            return new Media(this.port, announcedAddress, bindAddress, iceTimeout, nackMaxResends, retransmitBudgetPercent,
                    stunErrorRepliesPerSecond, dtlsHandshakeTimeout, dtlsStallTimeout, dtlsMaxHandshakes,
                    dtlsMaxHandshakesPerAddress, dtlsMaxHandshakesPerSession, dtlsMaxHandshakesPerApp, announcedAddresses,
                    on, port, maxConnections, maxPerAddress, loops);
        }

        /** The candidate addresses beyond {@code announcedAddress} (comma-separated). */
        public Media withAnnouncedAddresses(String addresses) {
            return new Media(port, announcedAddress, bindAddress, iceTimeout, nackMaxResends, retransmitBudgetPercent,
                    stunErrorRepliesPerSecond, dtlsHandshakeTimeout, dtlsStallTimeout, dtlsMaxHandshakes,
                    dtlsMaxHandshakesPerAddress, dtlsMaxHandshakesPerSession, dtlsMaxHandshakesPerApp, addresses, tcp,
                    tcpPort, tcpMaxConnections, tcpMaxConnectionsPerAddress, loops);
        }

        /**
         * Every address put in candidates, in order of preference: {@code announcedAddress} (or, when it and
         * {@code announcedAddresses} are both empty, {@link #resolvedAnnouncedAddress()}), then {@code announcedAddresses}.
         */
        public List<String> candidateAddresses() {
            java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
            if (announcedAddress != null && !announcedAddress.isEmpty()) {
                out.add(announcedAddress);
            }
            out.addAll(split(announcedAddresses));
            if (out.isEmpty()) {
                out.add(resolvedAnnouncedAddress());
            }
            return List.copyOf(out);
        }

        /** The addresses the media sockets bind (comma-separated in {@code bindAddress}). */
        public List<String> bindAddresses() {
            return split(bindAddress);
        }

        /** A comma-separated list: items trimmed, empty ones dropped. */
        public static List<String> split(String list) {
            if (list == null || list.isBlank()) {
                return List.of();
            }
            return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        }

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
                       int maxTrackedAddresses, Duration tokenWillExpireLead) {
        public static final Auth DEFAULTS = new Auth(Duration.ofSeconds(60), 20, 600, Duration.ofMinutes(1), 100_000,
                Duration.ofSeconds(30));

        /** With the default tokenWillExpire lead (30 s). */
        public Auth(Duration clockSkew, int failedLoginsPerAddress, int failedLoginsPerApp, Duration failedLoginWindow,
                    int maxTrackedAddresses) {
            this(clockSkew, failedLoginsPerAddress, failedLoginsPerApp, failedLoginWindow, maxTrackedAddresses,
                    DEFAULTS.tokenWillExpireLead);
        }
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
    /**
     * TURN servers handed to clients at login (Parley is not one; run coturn beside it). {@code urls} is
     * comma-separated ({@code turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349}); empty turns the
     * hand-out off. Credentials follow coturn's {@code use-auth-secret} REST scheme with {@code secret} (coturn's
     * {@code static-auth-secret}) and last {@code credentialTtl}.
     */
    public record Turn(String urls, String secret, Duration credentialTtl) {
        public static final Turn DEFAULTS = new Turn("", "", Duration.ofHours(6));

        public List<String> urlList() {
            return Media.split(urls);
        }

        public boolean enabled() {
            return !urlList().isEmpty();
        }
    }

    public record Webhook(int queueCapacity, Duration timeout, Duration retryBase, int maxRetries, int maxInFlight) {
        public static final Webhook DEFAULTS = new Webhook(10_000, Duration.ofSeconds(5), Duration.ofSeconds(2), 5, 32);
    }

    /**
     * What members do in a room besides publishing and playing (PROTOCOL.md "Extra info and messages"): the online
     * count's period; room extra info's key and value sizes, keys per room and sets per second per room; the size of a
     * message or command; broadcast messages per sender and per room a second, barrage messages per room a second,
     * custom commands per sender a second to one user and to several (or everyone), and targets per command; rooms one
     * session may be in at once where the App allows multi-room. Defaults are ZEGO's published limits.
     */
    public record RoomFeatures(Duration onlineCountInterval, int extraInfoMaxKeyBytes, int extraInfoMaxValueBytes,
                               int extraInfoMaxKeys, int extraInfoSetsPerSecond, int maxMessageBytes,
                               int broadcastPerUserPerSecond, int broadcastPerRoomPerSecond, int barragePerRoomPerSecond,
                               int customCommandToOnePerSecond, int customCommandToManyPerSecond, int maxCommandTargets,
                               int maxRoomsPerSession) {
        public static final RoomFeatures DEFAULTS = new RoomFeatures(Duration.ofSeconds(30), 10, 128, 1, 10, 1024,
                2, 10, 20, 200, 10, 10, 5);
    }

    /**
     * Cluster mode (docs/cluster.md): several nodes share one Redis ({@code redisUrl}, redis:// or rediss://; empty =
     * a single node with everything in memory and no Redis at all). {@code nodeId} names this node in the registry
     * (empty = the host name); {@code leaseTime} is how long this node's Redis keys outlive it (each is refreshed while
     * the node lives); {@code advertise} is the address other nodes and clients reach this node at (empty = the media
     * announced address).
     */
    /**
     * {@code secret}: shared by every node; signs the client address a relaying node passes on (docs/cluster.md).
     * {@code relayPort}: the gateway port other nodes relay to; 0 = the port this node's gateway is bound to.
     */
    public record Cluster(String redisUrl, String nodeId, Duration leaseTime, String advertise, String secret, int relayPort) {
        public static final Cluster DEFAULTS = new Cluster("", "", Duration.ofSeconds(10), "", "", 0);

        /** The first keys (tests and older call sites): no relay secret, the bound gateway port. */
        public Cluster(String redisUrl, String nodeId, Duration leaseTime, String advertise) {
            this(redisUrl, nodeId, leaseTime, advertise, "", 0);
        }

        public boolean enabled() {
            return !redisUrl.isEmpty();
        }
    }

    public static final ParleyConfig DEFAULTS = new ParleyConfig(Server.DEFAULTS, Gateway.DEFAULTS,
            Limits.DEFAULTS, Management.DEFAULTS, Session.DEFAULTS, Media.DEFAULTS,
            RtmpConfig.DEFAULTS, Auth.DEFAULTS, Shutdown.DEFAULTS, Log.DEFAULTS, List.of(), false, Api.DEFAULTS,
            Webhook.DEFAULTS, RoomFeatures.DEFAULTS, Turn.DEFAULTS, Cluster.DEFAULTS);

    public ParleyConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(management, "management");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(media, "media");
        Objects.requireNonNull(rtmp, "rtmp");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(webhook, "webhook");
        Objects.requireNonNull(turn, "turn");
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(cluster, "cluster");
        apps = List.copyOf(apps);
    }

    public ParleyConfig withServer(Server v) {
        return new ParleyConfig(v, gateway, limits, management, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withGateway(Gateway v) {
        return new ParleyConfig(server, v, limits, management, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withLimits(Limits v) {
        return new ParleyConfig(server, gateway, v, management, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withManagement(Management v) {
        return new ParleyConfig(server, gateway, limits, v, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withSession(Session v) {
        return new ParleyConfig(server, gateway, limits, management, v, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withMedia(Media v) {
        return new ParleyConfig(server, gateway, limits, management, session, v, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withRtmp(RtmpConfig v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, v, auth, shutdown, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withAuth(Auth v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, v, shutdown, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withShutdown(Shutdown v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, v, log, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withLog(Log v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, shutdown, v, apps, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withApps(List<AppConfig> v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, shutdown, log, v, dev, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withDev(boolean v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, shutdown, log, apps, v, api, webhook, room, turn, cluster);
    }

    public ParleyConfig withApi(Api v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, shutdown, log, apps, dev, v, webhook, room, turn, cluster);
    }

    public ParleyConfig withRoom(RoomFeatures v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, v, turn, cluster);
    }

    public ParleyConfig withWebhook(Webhook v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, shutdown, log, apps, dev, api, v, room, turn, cluster);
    }

    public ParleyConfig withTurn(Turn v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, v, cluster);
    }

    public ParleyConfig withCluster(Cluster v) {
        return new ParleyConfig(server, gateway, limits, management, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, turn, v);
    }
}
