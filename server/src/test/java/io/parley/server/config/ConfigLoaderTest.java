package io.parley.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    static final String SECRET = "5e6f1a2b3c4d5e6f7a8b9c0d1e2f3a4b";
    static final String OTHER = "S3cr3t-S3cr3t-S3cr3t-S3cr3t-S3cr";

    static ParleyConfig parse(String yaml, Map<String, String> env) {
        return ConfigLoader.parse(yaml, "test.yaml", env).config();
    }

    static ConfigException problems(String yaml, Map<String, String> env) {
        try {
            ConfigLoader.validate(parse(yaml, env));
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException");
    }

    @Test
    void emptyFileGivesTheDefaults() {
        assertThat(parse("", Map.of())).isEqualTo(ParleyConfig.DEFAULTS);
        assertThat(parse("# nothing\n", Map.of())).isEqualTo(ParleyConfig.DEFAULTS);
    }

    @Test
    void everyKeyDecodes() {
        ParleyConfig c = parse("""
                server: {host: 127.0.0.1, port: 9090, maxFrameBytes: 32768, ioThreads: 4}
                session: {heartbeatInterval: 10s, heartbeatTimeout: PT1M}
                media: {port: 40000, announcedAddress: 203.0.113.7, bindAddress: "::", iceTimeout: 45s}
                shutdown: {drainTimeout: 5m}
                log: {level: debug}
                apps:
                  - {appId: 7, secret: %s}
                dev: false
                """.formatted(SECRET), Map.of());
        assertThat(c.server()).isEqualTo(new ParleyConfig.Server("127.0.0.1", 9090, 32768, 4));
        assertThat(c.session()).isEqualTo(new ParleyConfig.Session(Duration.ofSeconds(10), Duration.ofMinutes(1)));
        assertThat(c.media()).isEqualTo(new ParleyConfig.Media(40000, "203.0.113.7", "::", Duration.ofSeconds(45)));
        assertThat(c.shutdown().drainTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.apps()).containsExactly(new AppConfig(7, SECRET));
        assertThat(ConfigLoader.validate(c).log().level()).isEqualTo("DEBUG");
    }

    @Test
    void unknownKeyIsNamedWithTheKeysExpectedThere() {
        assertThatThrownBy(() -> parse("server:\n  prot: 9090\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.prot: unknown key (expected one of: host, port, maxFrameBytes, ioThreads)");
        assertThatThrownBy(() -> parse("sever: {}\n", Map.of()))
                .hasMessageContaining("sever: unknown key (expected one of: server, gateway, limits, management, session, media, rtmp, auth, shutdown, log, apps, dev, api, webhook, room, turn, cluster)");
        assertThatThrownBy(() -> parse("apps:\n  - {appId: 1, secret: " + SECRET + ", name: x}\n", Map.of()))
                .hasMessageContaining("apps[0].name: unknown key (expected one of: appId, secret, legacyCbcTokens, callbackUrl, callbackSecret, "
                        + "kickOnTokenExpiry, multiRoom)");
    }

    @Test
    void wrongTypesSayWhatWasExpected() {
        ConfigException e = (ConfigException) catchThrowable(() -> parse("""
                server: {port: eighty}
                session: {heartbeatInterval: 30}
                dev: maybe
                media: 5
                """, Map.of()));
        assertThat(e.problems()).containsExactlyInAnyOrder(
                "server.port: 'eighty' (expected: an integer)",
                "session.heartbeatInterval: '30' (expected: a duration like 250ms, 30s, 5m, 2h, 1d or PT1M)",
                "dev: 'maybe' (expected: true or false)",
                "media: a number (expected: a mapping with keys port, announcedAddress, bindAddress, iceTimeout, nackMaxResends, retransmitBudgetPercent, stunErrorRepliesPerSecond, dtlsHandshakeTimeout, dtlsStallTimeout, dtlsMaxHandshakes, dtlsMaxHandshakesPerAddress, dtlsMaxHandshakesPerSession, dtlsMaxHandshakesPerApp, announcedAddresses, tcp, tcpPort, tcpMaxConnections, tcpMaxConnectionsPerAddress, loops)");
    }

    @Test
    void badYamlGivesThePlaceButNotTheLine() {
        assertThatThrownBy(() -> parse("apps:\n  - {appId: 1, secret: \"" + OTHER + "\n\tbad: [", Map.of()))
                .hasMessageStartingWith("invalid configuration:\n  test.yaml: not valid YAML (line ")
                .message().doesNotContain(OTHER);
    }

    @Test
    void valuesAreValidatedTogether() {
        ConfigException e = problems("""
                server: {port: 70000, maxFrameBytes: 10}
                session: {heartbeatInterval: 30s, heartbeatTimeout: 10s}
                media: {announcedAddress: media.example.com, bindAddress: nowhere}
                shutdown: {drainTimeout: -1s}
                log: {level: LOUD}
                """, Map.of());
        assertThat(e.problems()).containsExactly(
                "server.port: 70000 (expected: 1..65535, or 0 for any free port)",
                "server.maxFrameBytes: 10 (expected: 1024..16777216)",
                "session.heartbeatTimeout: 10s (expected: longer than session.heartbeatInterval 30s)",
                "media.announcedAddress: 'media.example.com' (expected: an IP address clients can reach, or empty for the first non-loopback address)",
                "media.bindAddress: 'nowhere' (expected: an IP address, e.g. 0.0.0.0, or one per family, e.g. 0.0.0.0,::)",
                "shutdown.drainTimeout: PT-1S (expected: >= 0s)",
                "log.level: 'LOUD' (expected one of: TRACE, DEBUG, INFO, WARN, ERROR, OFF)",
                "apps: none configured (expected: at least one {appId, secret} under apps:, "
                        + "or PARLEY_APP_<AppID>_SECRET in the environment, or --dev)");
    }

    @Test
    void environmentOverridesTheFile() {
        ParleyConfig c = parse("server: {port: 9090}\nsession: {heartbeatTimeout: 2m}\n", Map.of(
                "PARLEY_SERVER_PORT", "7000",
                "PARLEY_SERVER_MAX_FRAME_BYTES", "2048",
                "PARLEY_SESSION_HEARTBEAT_TIMEOUT", "100s",
                "PARLEY_MEDIA_ANNOUNCED_ADDRESS", "198.51.100.1",
                "PARLEY_SHUTDOWN_DRAIN_TIMEOUT", "0s",
                "PARLEY_LOG_LEVEL", "warn",
                "PARLEY_DEV", "true",
                "HOME", "/root"));
        assertThat(c.server().port()).isEqualTo(7000);
        assertThat(c.server().maxFrameBytes()).isEqualTo(2048);
        assertThat(c.session().heartbeatTimeout()).isEqualTo(Duration.ofSeconds(100));
        assertThat(c.media().announcedAddress()).isEqualTo("198.51.100.1");
        assertThat(c.shutdown().drainTimeout()).isZero();
        assertThat(c.log().level()).isEqualTo("warn");
        assertThat(c.dev()).isTrue();
    }

    @Test
    void everyLeafKeyHasAnEnvironmentVariable() {
        assertThat(ConfigLoader.envKeys()).containsEntry("PARLEY_SERVER_PORT", "server.port")
                .containsEntry("PARLEY_SESSION_HEARTBEAT_TIMEOUT", "session.heartbeatTimeout")
                .containsEntry("PARLEY_MEDIA_ICE_TIMEOUT", "media.iceTimeout")
                .containsEntry("PARLEY_MEDIA_LOOPS", "media.loops")
                .containsEntry("PARLEY_DEV", "dev")
                .containsEntry("PARLEY_API_PORT", "api.port")
                .containsEntry("PARLEY_API_APP_QPS", "api.appQps")
                .containsEntry("PARLEY_WEBHOOK_RETRY_BASE", "webhook.retryBase")
                .containsEntry("PARLEY_AUTH_TOKEN_WILL_EXPIRE_LEAD", "auth.tokenWillExpireLead")
                .containsEntry("PARLEY_ROOM_ONLINE_COUNT_INTERVAL", "room.onlineCountInterval")
                .containsEntry("PARLEY_ROOM_BROADCAST_PER_USER_PER_SECOND", "room.broadcastPerUserPerSecond")
                .containsEntry("PARLEY_SESSION_REPLAY_BUFFER", "session.replayBuffer")
                .containsEntry("PARLEY_LIMITS_USER_UPDATE_LIMIT", "limits.userUpdateLimit")
                .containsEntry("PARLEY_CLUSTER_REDIS_URL", "cluster.redisUrl")
                .containsEntry("PARLEY_CLUSTER_LEASE_TIME", "cluster.leaseTime")
                .containsEntry("PARLEY_CLUSTER_SECRET", "cluster.secret")
                .containsEntry("PARLEY_CLUSTER_RELAY_PORT", "cluster.relayPort")
                .hasSize(109);
    }

    @Test
    void clusterKeysDefaultToASingleNodeAndAreCheckedAtStart() {
        ParleyConfig c = parse("apps:\n  - {appId: 1, secret: " + SECRET + "}\n", Map.of());
        assertThat(c.cluster()).isEqualTo(ParleyConfig.Cluster.DEFAULTS);
        assertThat(c.cluster().enabled()).isFalse();
        assertThat(c.cluster().leaseTime()).isEqualTo(Duration.ofSeconds(10));
        ParleyConfig on = parse("apps:\n  - {appId: 1, secret: " + SECRET + "}\ncluster: {nodeId: a-1, leaseTime: 5s}\n",
                Map.of("PARLEY_CLUSTER_REDIS_URL", "redis://:pw@redis:6379/0", "PARLEY_CLUSTER_ADVERTISE", "10.0.0.7",
                        "PARLEY_CLUSTER_SECRET", "relay-secret-0123456789", "PARLEY_CLUSTER_RELAY_PORT", "18080"));
        assertThat(on.cluster()).isEqualTo(new ParleyConfig.Cluster("redis://:pw@redis:6379/0", "a-1", Duration.ofSeconds(5),
                "10.0.0.7", "relay-secret-0123456789", 18080));
        ConfigLoader.validate(on);
        assertThat(ConfigLoader.toYaml(on)).contains("redisUrl: redis://<redacted>@redis:6379/0").doesNotContain(":pw@")
                .doesNotContain("relay-secret-0123456789");
        assertThat(catchThrowable(() -> ConfigLoader.validate(parse("apps:\n  - {appId: 1, secret: " + SECRET + "}\n"
                + "cluster: {redisUrl: 'redis://r:6379', secret: short, relayPort: 70000}\n", Map.of()))))
                .hasMessageContaining("cluster.secret: 5 characters (expected: at least 16 characters, the same on every node")
                .hasMessageContaining("cluster.relayPort: 70000 (expected: 0..65535");
        assertThat(catchThrowable(() -> ConfigLoader.validate(parse("apps:\n  - {appId: 1, secret: " + SECRET + "}\n"
                + "cluster: {redisUrl: 'http://x', nodeId: 'a b', leaseTime: 100ms, advertise: 'a/b'}\n", Map.of()))))
                .hasMessageContaining("cluster.redisUrl: not a Redis URL (expected: redis://host:port")
                .hasMessageContaining("cluster.nodeId: 'a b' (expected: 1..64 of A-Z a-z 0-9 . _ -")
                .hasMessageContaining("cluster.leaseTime: PT0.1S (expected: 1s..10m")
                .hasMessageContaining("cluster.advertise: 'a/b'");
    }

    @Test
    void kickOnTokenExpiryAndMultiRoomAreOffUnlessAnAppOptsIn() {
        ParleyConfig c = parse("apps:\n  - {appId: 1, secret: " + SECRET + "}\n  - {appId: 2, secret: " + SECRET
                + ", kickOnTokenExpiry: true}\n", Map.of("PARLEY_APP_3_SECRET", OTHER, "PARLEY_APP_3_KICK_ON_TOKEN_EXPIRY", "true",
                "PARLEY_APP_2_KICK_ON_TOKEN_EXPIRY", "false", "PARLEY_APP_1_MULTI_ROOM", "true"));
        assertThat(c.apps()).containsExactly(new AppConfig(1, SECRET).withMultiRoom(true), new AppConfig(2, SECRET),
                new AppConfig(3, OTHER).withKickOnTokenExpiry(true));
        assertThat(ConfigLoader.toYaml(c)).contains("kickOnTokenExpiry: true").contains("multiRoom: true");
        assertThat(catchThrowable(() -> parse("apps:\n  - {appId: 1, secret: " + SECRET + ", kickOnTokenExpiry: often}\n",
                Map.of()))).hasMessageContaining("apps[0].kickOnTokenExpiry: 'often' (expected: true or false)");
    }

    @Test
    void roomFeatureLimitsAreCheckedAtStart() {
        assertThatThrownBy(() -> ConfigLoader.validate(parse("room: {maxMessageBytes: 0, onlineCountInterval: 0s}\n"
                + "auth: {tokenWillExpireLead: 45s}\n", Map.of()).withDev(true)))
                .hasMessageContaining("room.maxMessageBytes: 0")
                .hasMessageContaining("room.onlineCountInterval");
        ParleyConfig c = parse("room: {broadcastPerRoomPerSecond: 50}\nauth: {tokenWillExpireLead: 45s}\n", Map.of());
        assertThat(c.room().broadcastPerRoomPerSecond()).isEqualTo(50);
        assertThat(c.auth().tokenWillExpireLead()).hasSeconds(45);
    }

    @Test
    void webhooksOfAnAppComeFromTheFileAndTheEnvironment() {
        ParleyConfig c = parse("apps:\n  - {appId: 1, secret: " + SECRET + ", callbackUrl: 'http://hooks.example/a'}\n",
                Map.of("PARLEY_APP_1_CALLBACK_SECRET", "cb-secret", "PARLEY_APP_2_SECRET", OTHER,
                        "PARLEY_APP_2_CALLBACK_URL", "https://hooks.example/b"));
        assertThat(c.apps()).containsExactly(new AppConfig(1, SECRET, false, "http://hooks.example/a", "cb-secret"),
                new AppConfig(2, OTHER, false, "https://hooks.example/b", ""));
        assertThat(c.apps().get(1).webhookSecret()).isEqualTo(OTHER);
        assertThat(ConfigLoader.toYaml(c)).contains("callbackUrl: http://hooks.example/a").doesNotContain("cb-secret");
        assertThatThrownBy(() -> parse("apps:\n  - {appId: 1, secret: " + SECRET + ", callbackUrl: 'ftp://x'}\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("apps[1].callbackUrl: 'ftp://x'");
    }

    @Test
    void appsComeFromTheEnvironmentAndOverrideTheFile() {
        ParleyConfig c = parse("apps:\n  - {appId: 1, secret: " + SECRET + "}\n", Map.of(
                "PARLEY_APP_1_SECRET", OTHER,
                "PARLEY_APP_42_SECRET", SECRET));
        assertThat(c.apps()).containsExactly(new AppConfig(1, OTHER), new AppConfig(42, SECRET));
    }

    @Test
    void legacyCbcTokensIsOffUnlessAnAppOptsIn() {
        ParleyConfig c = parse("apps:\n  - {appId: 1, secret: " + SECRET + "}\n  - {appId: 2, secret: " + SECRET
                + ", legacyCbcTokens: true}\n", Map.of("PARLEY_APP_3_SECRET", OTHER, "PARLEY_APP_3_LEGACY_CBC_TOKENS", "true"));
        assertThat(c.apps()).containsExactly(new AppConfig(1, SECRET, false), new AppConfig(2, SECRET, true),
                new AppConfig(3, OTHER, true));
        assertThat(catchThrowable(() -> parse("apps:\n  - {appId: 1, secret: " + SECRET + ", legacyCbcTokens: maybe}\n",
                Map.of()))).hasMessageContaining("apps[0].legacyCbcTokens: 'maybe' (expected: true or false)");
    }

    @Test
    void unknownParleyVariablesAreWarnedAboutNotFatal() {
        var loaded = ConfigLoader.parse("", "test.yaml", Map.of("PARLEY_SERVER_PROT", "1", "PARLEY_APP_SECRET", "x"));
        assertThat(loaded.warnings()).singleElement().asString()
                .startsWith("PARLEY_SERVER_PROT: not a configuration variable, ignored (expected one of: ");
    }

    @Test
    void aSecretNeverAppearsInErrorsOrDumps() {
        String shortSecret = "hunter2-is-not-32-bytes";
        ConfigException e = (ConfigException) catchThrowable(() -> parse(
                "apps:\n  - {appId: 3, secret: " + shortSecret + "}\n  - {appId: 4, secret: [" + OTHER + "]}\n",
                Map.of("PARLEY_APP_5_SECRET", "env-" + shortSecret)));
        assertThat(e.problems()).containsExactly(
                "apps[3].secret: 23 bytes (expected: exactly 32, e.g. 32 hex characters)",
                "apps[1].secret: a list (expected: a string)",
                "apps[5].secret: 27 bytes (expected: exactly 32, e.g. 32 hex characters)");
        assertThat(e.getMessage()).doesNotContain(shortSecret).doesNotContain(OTHER);

        ParleyConfig c = ConfigLoader.validate(parse("apps:\n  - {appId: 3, secret: " + OTHER + "}\n", Map.of()));
        assertThat(ConfigLoader.toYaml(c)).contains("secret: <redacted>").doesNotContain(OTHER);
        assertThat(ConfigLoader.toOneLine(c)).contains("\"secret\":\"<redacted>\"").doesNotContain(OTHER);
        assertThat(c.toString()).doesNotContain(OTHER);
    }

    @Test
    void theDumpReadsBackToTheSameConfig() {
        ParleyConfig c = ConfigLoader.validate(parse("media: {iceTimeout: 1500ms}\nshutdown: {drainTimeout: 90s}\ndev: true\n",
                Map.of()));
        String yaml = ConfigLoader.toYaml(c);
        assertThat(yaml).contains("iceTimeout: 1500ms").contains("drainTimeout: 90s");
        assertThat(parse(yaml, Map.of())).isEqualTo(c);
    }

    @Test
    void aFileIsReadAndAMissingOneIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("parley.yaml");
        Files.writeString(f, "server: {port: 1234}\n");
        assertThat(ConfigLoader.load(f, Map.of()).config().server().port()).isEqualTo(1234);
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), Map.of()))
                .hasMessageContaining("nope.yaml: cannot read (NoSuchFileException");
    }

    @Test
    void theShippedExampleAndDeployConfigsAreValid() throws Exception {
        for (Path p : List.of(Path.of("../deploy/parley.yaml"), Path.of("../docs/parley.example.yaml"))) {
            ParleyConfig c = ConfigLoader.load(p, Map.of()).config();
            ConfigLoader.validate(c.apps().isEmpty() ? c.withDev(true) : c);
        }
    }

    /** The placeholders shipped in deploy/.env.example and deploy/k8s/secret.yaml are refused, and the docs' example. */
    @Test
    void aPublishedPlaceholderSecretIsRefusedOutsideDevMode() throws Exception {
        Map<String, String> env = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("../deploy/.env.example"))) {
            if (line.startsWith("PARLEY_APP_")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        String k8s = Files.readString(Path.of("../deploy/k8s/secret.yaml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(PARLEY_APP_[0-9]+_SECRET): \"([^\"]+)\"").matcher(k8s);
        assertThat(m.find()).as("secret.yaml has a placeholder").isTrue();
        for (Map<String, String> e : List.of(env, Map.of(m.group(1), m.group(2)),
                Map.of("PARLEY_APP_9_SECRET", "0123456789abcdef0123456789abcdef"))) {
            ParleyConfig c = ConfigLoader.parse("", "test.yaml", e).config();
            assertThat(catchThrowable(() -> ConfigLoader.validate(c)))
                    .hasMessageContaining("the placeholder or example value").hasMessageContaining("openssl rand -hex 16")
                    .hasMessageNotContaining(c.apps().get(0).secret());
            ConfigLoader.validate(c.withDev(true)); // dev mode: a warning, not a refusal
            assertThat(ConfigRules.publishedSecrets(c)).hasSize(1);
        }
    }

    private static Throwable catchThrowable(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected an exception");
    }
}
