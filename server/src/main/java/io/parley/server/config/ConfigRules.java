package io.parley.server.config;

import java.net.URISyntaxException;
import java.net.URI;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The value rules checked once at start; each problem names its key and says what was expected. */
public final class ConfigRules {
    private ConfigRules() {}

    static final List<String> LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
    static final int MIN_FRAME_BYTES = 1024;
    static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;
    private static final Pattern TURN_URL = Pattern.compile(
            "(turn|turns|stun|stuns):(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:\\d{1,5})?(\\?transport=(udp|tcp))?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    static List<String> check(ParleyConfig c) {
        List<String> p = new ArrayList<>();
        ParleyConfig.Server s = c.server();
        if (s.host().isBlank()) {
            p.add("server.host: empty (expected: an address to bind, e.g. 0.0.0.0)");
        }
        port(p, "server.port", s.port());
        if (s.maxFrameBytes() < MIN_FRAME_BYTES || s.maxFrameBytes() > MAX_FRAME_BYTES) {
            p.add("server.maxFrameBytes: " + s.maxFrameBytes() + " (expected: " + MIN_FRAME_BYTES + ".." + MAX_FRAME_BYTES + ")");
        }
        if (s.ioThreads() < 0 || s.ioThreads() > 1024) {
            p.add("server.ioThreads: " + s.ioThreads() + " (expected: 0..1024, 0 = one per core)");
        }
        p.addAll(gateway(c.gateway()));
        ParleyConfig.Limits l = c.limits();
        atLeast(p, "limits.maxStreamsPerUser", l.maxStreamsPerUser(), 1);
        atLeast(p, "limits.maxStreamsPerRoom", l.maxStreamsPerRoom(), 1);
        atLeast(p, "limits.maxRoomsPerApp", l.maxRoomsPerApp(), 1);
        atLeast(p, "limits.userUpdateLimit", l.userUpdateLimit(), 0);
        if (l.joinCoalesceWindow().isNegative() || l.joinCoalesceWindow().compareTo(Duration.ofSeconds(1)) > 0) {
            p.add("limits.joinCoalesceWindow: " + Durations.format(l.joinCoalesceWindow())
                    + " (expected: 0ms..1s; 0 sends each join at once)");
        }
        ParleyConfig.RoomFeatures r = c.room();
        positive(p, "room.onlineCountInterval", r.onlineCountInterval());
        atLeast(p, "room.extraInfoMaxKeyBytes", r.extraInfoMaxKeyBytes(), 1);
        atLeast(p, "room.extraInfoMaxValueBytes", r.extraInfoMaxValueBytes(), 1);
        atLeast(p, "room.extraInfoMaxKeys", r.extraInfoMaxKeys(), 1);
        atLeast(p, "room.extraInfoSetsPerSecond", r.extraInfoSetsPerSecond(), 1);
        atLeast(p, "room.maxMessageBytes", r.maxMessageBytes(), 1);
        atLeast(p, "room.broadcastPerUserPerSecond", r.broadcastPerUserPerSecond(), 1);
        atLeast(p, "room.broadcastPerRoomPerSecond", r.broadcastPerRoomPerSecond(), 1);
        atLeast(p, "room.barragePerRoomPerSecond", r.barragePerRoomPerSecond(), 1);
        atLeast(p, "room.customCommandToOnePerSecond", r.customCommandToOnePerSecond(), 1);
        atLeast(p, "room.customCommandToManyPerSecond", r.customCommandToManyPerSecond(), 1);
        atLeast(p, "room.maxCommandTargets", r.maxCommandTargets(), 1);
        atLeast(p, "room.maxRoomsPerSession", r.maxRoomsPerSession(), 1);
        ParleyConfig.Management mg = c.management();
        if (mg.enabled()) {
            if (mg.host().isBlank()) {
                p.add("management.host: empty (expected: an address to bind, e.g. 0.0.0.0 or 127.0.0.1)");
            }
            port(p, "management.port", mg.port());
            if (mg.port() != 0 && mg.port() == s.port() && mg.host().equals(s.host())) {
                p.add("management.port: " + mg.port() + " (expected: a port other than server.port, or management.enabled: false"
                        + " to serve /metrics, /healthz and /readyz on server.port)");
            }
        }
        if (c.auth().tokenWillExpireLead().isNegative()) {
            p.add("auth.tokenWillExpireLead: " + Durations.format(c.auth().tokenWillExpireLead()) + " (expected: >= 0s)");
        }
        ParleyConfig.Session se = c.session();
        positive(p, "session.heartbeatInterval", se.heartbeatInterval());
        if (se.replayBuffer() < 1 || se.replayBuffer() > 100_000) {
            p.add("session.replayBuffer: " + se.replayBuffer() + " (expected: 1..100000 pushes)");
        }
        if (se.heartbeatTimeout().compareTo(se.heartbeatInterval()) <= 0) {
            p.add("session.heartbeatTimeout: " + Durations.format(se.heartbeatTimeout())
                    + " (expected: longer than session.heartbeatInterval " + Durations.format(se.heartbeatInterval()) + ")");
        }
        ParleyConfig.Media m = c.media();
        port(p, "media.port", m.port());
        if (!m.announcedAddress().isEmpty() && !isIpLiteral(m.announcedAddress())) {
            p.add("media.announcedAddress: '" + m.announcedAddress()
                    + "' (expected: an IP address clients can reach, or empty for the first non-loopback address)");
        }
        List<String> binds = m.bindAddresses();
        if (binds.isEmpty() || !binds.stream().allMatch(ConfigRules::isIpLiteral)) {
            p.add("media.bindAddress: '" + m.bindAddress() + "' (expected: an IP address, e.g. 0.0.0.0, or one per"
                    + " family, e.g. 0.0.0.0,::)");
        } else if (binds.stream().filter(b -> b.contains(":")).count() > 1 || binds.stream().filter(b -> !b.contains(":")).count() > 1) {
            p.add("media.bindAddress: '" + m.bindAddress() + "' (expected: at most one IPv4 and one IPv6 address)");
        }
        for (String a : ParleyConfig.Media.split(m.announcedAddresses())) {
            if (!isIpLiteral(a)) {
                p.add("media.announcedAddresses: '" + a + "' (expected: IP addresses clients can reach, comma-separated)");
            } else if (binds.stream().allMatch(ConfigRules::isIpLiteral)
                    && binds.stream().noneMatch(b -> b.contains(":") == a.contains(":") || isIpv6Wildcard(b))) {
                p.add("media.announcedAddresses: '" + a + "' is IPv" + (a.contains(":") ? "6" : "4")
                        + " but media.bindAddress '" + m.bindAddress() + "' has no address of that family (expected: e.g. "
                        + "0.0.0.0,::)");
            }
        }
        if (m.tcp()) {
            if (m.tcpPort() < 0 || m.tcpPort() > 65535) {
                p.add("media.tcpPort: " + m.tcpPort() + " (expected: 1..65535, or 0 for media.port's number)");
            }
            atLeastOne(p, "media.tcpMaxConnections", m.tcpMaxConnections());
            atLeastOne(p, "media.tcpMaxConnectionsPerAddress", m.tcpMaxConnectionsPerAddress());
        }
        if (m.loops() < 0 || m.loops() > ParleyConfig.Media.MAX_LOOPS) {
            p.add("media.loops: " + m.loops() + " (expected: 1.." + ParleyConfig.Media.MAX_LOOPS
                    + ", or 0 for one per core)");
        }
        positive(p, "media.iceTimeout", m.iceTimeout());
        if (m.nackMaxResends() < 0 || m.nackMaxResends() > 10) {
            p.add("media.nackMaxResends: " + m.nackMaxResends() + " (expected: 0..10, 0 = never retransmit)");
        }
        if (m.retransmitBudgetPercent() < 0 || m.retransmitBudgetPercent() > 1000) {
            p.add("media.retransmitBudgetPercent: " + m.retransmitBudgetPercent() + " (expected: 0..1000)");
        }
        if (m.stunErrorRepliesPerSecond() < 0 || m.stunErrorRepliesPerSecond() > 1000) {
            p.add("media.stunErrorRepliesPerSecond: " + m.stunErrorRepliesPerSecond()
                    + " (expected: 0..1000, 0 = never answer a failed check)");
        }
        positive(p, "media.dtlsHandshakeTimeout", m.dtlsHandshakeTimeout());
        positive(p, "media.dtlsStallTimeout", m.dtlsStallTimeout());
        if (m.dtlsMaxHandshakes() < 1 || m.dtlsMaxHandshakes() > 4096) {
            p.add("media.dtlsMaxHandshakes: " + m.dtlsMaxHandshakes() + " (expected: 1..4096; each holds a thread)");
        }
        atLeastOne(p, "media.dtlsMaxHandshakesPerAddress", m.dtlsMaxHandshakesPerAddress());
        atLeastOne(p, "media.dtlsMaxHandshakesPerSession", m.dtlsMaxHandshakesPerSession());
        atLeastOne(p, "media.dtlsMaxHandshakesPerApp", m.dtlsMaxHandshakesPerApp());
        ParleyConfig.Auth au = c.auth();
        if (au.clockSkew().isNegative() || au.clockSkew().compareTo(Duration.ofMinutes(10)) > 0) {
            p.add("auth.clockSkew: " + Durations.format(au.clockSkew()) + " (expected: 0s..10m)");
        }
        if (au.failedLoginsPerAddress() < 0) {
            p.add("auth.failedLoginsPerAddress: " + au.failedLoginsPerAddress() + " (expected: >= 0, 0 = no limit)");
        }
        if (au.failedLoginsPerApp() < 0) {
            p.add("auth.failedLoginsPerApp: " + au.failedLoginsPerApp() + " (expected: >= 0, 0 = no limit)");
        }
        positive(p, "auth.failedLoginWindow", au.failedLoginWindow());
        if (au.maxTrackedAddresses() < 1) {
            p.add("auth.maxTrackedAddresses: " + au.maxTrackedAddresses() + " (expected: >= 1)");
        }
        ParleyConfig.Api api = c.api();
        if (api.host().isBlank()) {
            p.add("api.host: empty (expected: an address to bind, e.g. 0.0.0.0 or 127.0.0.1)");
        }
        port(p, "api.port", api.port());
        if (api.enabled() && api.port() != 0 && api.port() == s.port() && api.host().equals(s.host())) {
            p.add("api.port: " + api.port() + " (expected: a port other than server.port's)");
        }
        if (api.appQps() < 0) {
            p.add("api.appQps: " + api.appQps() + " (expected: >= 0, 0 = no cap)");
        }
        if (api.maxNonces() < 1) {
            p.add("api.maxNonces: " + api.maxNonces() + " (expected: >= 1)");
        }
        ParleyConfig.Webhook w = c.webhook();
        if (w.queueCapacity() < 1) {
            p.add("webhook.queueCapacity: " + w.queueCapacity() + " (expected: >= 1)");
        }
        positive(p, "webhook.timeout", w.timeout());
        positive(p, "webhook.retryBase", w.retryBase());
        if (w.maxRetries() < 0 || w.maxRetries() > 10) {
            p.add("webhook.maxRetries: " + w.maxRetries() + " (expected: 0..10)");
        }
        if (w.maxInFlight() < 1) {
            p.add("webhook.maxInFlight: " + w.maxInFlight() + " (expected: >= 1)");
        }
        ParleyConfig.Turn turn = c.turn();
        for (String url : turn.urlList()) {
            if (!TURN_URL.matcher(url).matches()) {
                p.add("turn.urls: '" + url + "' (expected: turn:host:port, turns:host:port or stun:host:port, with an optional"
                        + " ?transport=udp|tcp)");
            }
        }
        if (turn.enabled() && turn.secret().isEmpty()) {
            p.add("turn.secret: empty (expected: coturn's static-auth-secret, as turn.urls is set)");
        }
        positive(p, "turn.credentialTtl", turn.credentialTtl());
        p.addAll(cluster(c.cluster()));
        if (c.shutdown().drainTimeout().isNegative()) {
            p.add("shutdown.drainTimeout: " + c.shutdown().drainTimeout() + " (expected: >= 0s)");
        }
        if (!LOG_LEVELS.contains(c.log().level().toUpperCase(Locale.ROOT))) {
            p.add("log.level: '" + c.log().level() + "' (expected one of: " + String.join(", ", LOG_LEVELS) + ")");
        }
        Set<Long> seen = new HashSet<>();
        if (!c.dev()) {
            p.addAll(publishedSecrets(c));
        }
        for (AppConfig a : c.apps()) {
            if (!seen.add(a.appId())) {
                p.add("apps: appId " + a.appId() + " appears twice (expected: each AppID once)");
            }
        }
        if (c.apps().isEmpty() && !c.dev()) {
            p.add("apps: none configured (expected: at least one {appId, secret} under apps:, "
                    + "or PARLEY_APP_<AppID>_SECRET in the environment, or --dev)");
        }
        return p;
    }

    /**
     * Secrets printed in Parley's own examples and placeholders (docs, deploy/.env.example, deploy/k8s/secret.yaml):
     * anyone can read them, so an App using one is open to anyone. Refused outside dev mode, warned about in it.
     */
    static final Set<String> PUBLISHED_SECRETS = Set.of("REPLACE_ME_32_CHARACTERS_SECRET!",
            "0123456789abcdef0123456789abcdef");

    /** One line per App whose secret is a published example (never the secret itself). */
    public static List<String> publishedSecrets(ParleyConfig c) {
        List<String> out = new ArrayList<>();
        for (AppConfig a : c.apps()) {
            if (PUBLISHED_SECRETS.contains(a.secret()) || a.secret().toUpperCase(Locale.ROOT).contains("REPLACE_ME")) {
                out.add("apps[" + a.appId() + "].secret: the placeholder or example value from Parley's docs or deploy files"
                        + " (expected: a secret of your own, e.g. `openssl rand -hex 16`)");
            }
        }
        if (c.turn().secret().toUpperCase(Locale.ROOT).contains("REPLACE_ME")) {
            out.add("turn.secret: the placeholder value from Parley's deploy files (expected: a secret of your own, shared"
                    + " with coturn's static-auth-secret, e.g. `openssl rand -hex 32`)");
        }
        return out;
    }

    private static List<String> gateway(ParleyConfig.Gateway g) {
        List<String> p = new ArrayList<>();
        atLeast(p, "gateway.writeBufferLowBytes", g.writeBufferLowBytes(), 1024);
        if (g.writeBufferHighBytes() <= g.writeBufferLowBytes()) {
            p.add("gateway.writeBufferHighBytes: " + g.writeBufferHighBytes() + " (expected: more than gateway.writeBufferLowBytes "
                    + g.writeBufferLowBytes() + ")");
        }
        if (g.maxOutboundBytes() < g.writeBufferHighBytes()) {
            p.add("gateway.maxOutboundBytes: " + g.maxOutboundBytes() + " (expected: >= gateway.writeBufferHighBytes "
                    + g.writeBufferHighBytes() + ")");
        }
        positive(p, "gateway.slowClientTimeout", g.slowClientTimeout());
        positive(p, "gateway.closeTimeout", g.closeTimeout());
        positive(p, "gateway.requestTimeout", g.requestTimeout());
        positive(p, "gateway.loginTimeout", g.loginTimeout());
        if (g.maxInitialLineBytes() < 256 || g.maxInitialLineBytes() > 65536) {
            p.add("gateway.maxInitialLineBytes: " + g.maxInitialLineBytes() + " (expected: 256..65536)");
        }
        if (g.maxHeaderBytes() < 1024 || g.maxHeaderBytes() > 65536) {
            p.add("gateway.maxHeaderBytes: " + g.maxHeaderBytes() + " (expected: 1024..65536)");
        }
        atLeast(p, "gateway.requestsPerSecond", g.requestsPerSecond(), 1);
        atLeast(p, "gateway.requestBurst", g.requestBurst(), 1);
        if (g.maxMessagesPerRead() < 1 || g.maxMessagesPerRead() > 64) {
            p.add("gateway.maxMessagesPerRead: " + g.maxMessagesPerRead() + " (expected: 1..64)");
        }
        atLeast(p, "gateway.maxConnections", g.maxConnections(), 1);
        atLeast(p, "gateway.maxConnectionsPerAddress", g.maxConnectionsPerAddress(), 1);
        return p;
    }

    private static void atLeast(List<String> p, String key, int value, int min) {
        if (value < min) {
            p.add(key + ": " + value + " (expected: >= " + min + ")");
        }
    }

    private static void port(List<String> p, String key, int port) {
        if (port < 0 || port > 65535) {
            p.add(key + ": " + port + " (expected: 1..65535, or 0 for any free port)");
        }
    }

    private static void atLeastOne(List<String> p, String key, int n) {
        if (n < 1) {
            p.add(key + ": " + n + " (expected: >= 1)");
        }
    }

    static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static List<String> cluster(ParleyConfig.Cluster cl) {
        List<String> p = new ArrayList<>();
        String url = cl.redisUrl();
        if (!url.isEmpty()) {
            try {
                URI u = new URI(url);
                if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme()) || u.getHost() == null) {
                    throw new URISyntaxException(url, "scheme or host");
                }
            } catch (URISyntaxException e) {
                p.add("cluster.redisUrl: not a Redis URL (expected: redis://host:port or rediss://[:password@]host:port[/db];"
                        + " empty = a single node without Redis)");
            }
        }
        if (!cl.nodeId().isEmpty() && !NODE_ID.matcher(cl.nodeId()).matches()) {
            p.add("cluster.nodeId: '" + cl.nodeId() + "' (expected: 1..64 of A-Z a-z 0-9 . _ -, unique in the cluster;"
                    + " empty = the host name)");
        }
        if (cl.leaseTime().compareTo(Duration.ofSeconds(1)) < 0 || cl.leaseTime().compareTo(Duration.ofMinutes(10)) > 0) {
            p.add("cluster.leaseTime: " + cl.leaseTime() + " (expected: 1s..10m, e.g. 10s)");
        }
        if (!cl.advertise().isEmpty() && (cl.advertise().contains("/") || cl.advertise().contains(" "))) {
            p.add("cluster.advertise: '" + cl.advertise() + "' (expected: a host name or IP address that other nodes and"
                    + " clients reach this node at)");
        }
        if (!url.isEmpty() && cl.secret().length() < 16) {
            p.add("cluster.secret: " + (cl.secret().isEmpty() ? "empty" : cl.secret().length() + " characters")
                    + " (expected: at least 16 characters, the same on every node of the cluster, e.g. `openssl rand -hex 32`;"
                    + " it signs the client address a node relays to another)");
        }
        if (cl.relayPort() < 0 || cl.relayPort() > 65535) {
            p.add("cluster.relayPort: " + cl.relayPort() + " (expected: 0..65535; 0 = the gateway's own port)");
        }
        return p;
    }

    private static void positive(List<String> p, String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            p.add(key + ": " + d + " (expected: > 0, e.g. 30s)");
        }
    }

    /** {@code ::}: a dual-stack socket, which serves IPv4 too. */
    private static boolean isIpv6Wildcard(String s) {
        try {
            return s.contains(":") && InetAddress.getByName(s).isAnyLocalAddress();
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    static boolean isIpLiteral(String s) {
        var v4 = IPV4.matcher(s);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (!s.contains(":")) {
            return false;
        }
        try {
            InetAddress.getByName(s); // an IPv6 literal: parsed, never looked up
            return true;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }
}
