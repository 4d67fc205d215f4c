package io.parley.server;

import io.parley.server.config.AppConfig;
import io.parley.server.config.ConfigException;
import io.parley.server.config.ConfigLoader;
import io.parley.server.config.ConfigRules;
import io.parley.server.config.ParleyConfig;
import io.parley.server.cluster.ClusterStartException;
import io.parley.server.lifecycle.PortInUse;
import io.parley.server.lifecycle.Signals;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar parley-server.jar [--config FILE] [--dev] [--port N] [--media-port N]} runs the server;
 * {@code ... token ...} mints a token; {@code rooms}, {@code users}, {@code kick} call a running server's API
 * (OperatorCommands). Exit status: 0 after a drain, 2 for a configuration problem or a port that cannot be bound,
 * 1 when the server cannot start otherwise.
 */
@Command(name = "parley", mixinStandardHelpOptions = true, versionProvider = Version.class,
        subcommands = {TokenCommand.class, OperatorCommands.Rooms.class, OperatorCommands.Users.class,
                OperatorCommands.Kick.class},
        description = "Parley: a self-hosted real-time audio room server.")
public final class Main implements Callable<Integer> {
    static final long DEV_APP_ID = 1;
    static final String MEDIA_PORT_ENV = "PARLEY_MEDIA_PORT";

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML configuration (docs/configuration.md; default: $PARLEY_CONFIG, else built-in defaults).")
    Path config;

    @Option(names = "--dev", description = "Run on the embedded dev config: one App (AppID 1) with a fresh secret, "
            + "printed at start, and the /dev/token endpoint.")
    boolean dev;

    @Option(names = "--port", description = "Gateway TCP port (HTTP + WebSocket); overrides server.port.")
    Integer port;

    @Option(names = "--host", description = "Address to bind; overrides server.host.")
    String host;

    @Option(names = "--media-port", paramLabel = "N",
            description = "UDP port of the media plane (WebRTC); overrides media.port and PARLEY_MEDIA_PORT.")
    Integer mediaPort;

    @Option(names = "--print-config", description = "Print the effective configuration (secrets redacted) and exit.")
    boolean printConfig;

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
        // 0: the server runs on its own threads until a signal drains it and exits.
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        if (mediaPort != null) {
            // Applied as the highest-precedence source of media.port: the command line beats the environment.
            env = new HashMap<>(env);
            env.put(MEDIA_PORT_ENV, Integer.toString(mediaPort));
        }
        ConfigLoader.Loaded loaded = null;
        ParleyConfig cfg;
        String devSecret = null;
        try {
            loaded = ConfigLoader.load(configFile(config, env), env);
            cfg = loaded.config();
            if (port != null || host != null) {
                ParleyConfig.Server s = cfg.server();
                cfg = cfg.withServer(new ParleyConfig.Server(host != null ? host : s.host(),
                        port != null ? port : s.port(), s.maxFrameBytes(), s.ioThreads()));
            }
            if (dev) {
                cfg = cfg.withDev(true);
            }
            if (cfg.dev() && cfg.apps().isEmpty()) {
                devSecret = HexFormat.of().formatHex(randomBytes(16));
                cfg = cfg.withApps(List.of(new AppConfig(DEV_APP_ID, devSecret)));
            }
            cfg = ConfigLoader.validate(cfg);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            if (loaded != null) {
                loaded.warnings().forEach(w -> System.err.println("  (warning) " + w));
            }
            return 2;
        }
        if (printConfig) {
            System.out.print(ConfigLoader.toYaml(cfg));
            return 0;
        }
        Logging.setLevel(cfg.log().level());
        Logger log = LoggerFactory.getLogger(Main.class);
        loaded.warnings().forEach(log::warn);
        if (cfg.dev()) {
            ConfigRules.publishedSecrets(cfg).forEach(w -> log.warn("{} (refused outside dev mode)", w));
        }
        log.info("configuration {}", ConfigLoader.toOneLine(cfg));
        ParleyServer server;
        try {
            server = ParleyServer.start(cfg);
        } catch (PortInUse e) {
            // One line, no stack trace: what is busy and what moves it.
            log.debug("bind failed", e);
            System.err.println("parley: " + e.getMessage());
            return 2;
        } catch (ClusterStartException e) {
            log.debug("cluster join failed", e);
            System.err.println("parley: " + e.getMessage());
            return 2;
        }
        if (cfg.dev()) {
            printDevBanner(server, cfg.apps().get(0).appId(), devSecret);
        }
        boolean signals = Signals.install(() -> {
            try {
                server.drainAndClose();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                System.exit(0);
            }
        }, () -> {
            server.close();
            Runtime.getRuntime().halt(0);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!signals) {
                try {
                    server.drainAndClose();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            server.close();
        }, "parley-shutdown"));
        return 0;
    }

    static Path configFile(Path option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String p = env.get(ConfigLoader.CONFIG_ENV);
        return p == null || p.isBlank() ? null : Path.of(p);
    }

    private static void printDevBanner(ParleyServer server, long appId, String secret) {
        System.out.println(devBanner(server.port(), server.media().announcedAddress(), server.media().port(), appId,
                secret));
    }

    static String devBanner(int port, String mediaAddress, int mediaPort, long appId, String secret) {
        return """
                Parley dev mode (never use in production)
                  WebSocket:  ws://127.0.0.1:%1$d/ws
                  Demo page:  http://127.0.0.1:%1$d/  (open it in two tabs)
                  Media:      udp %4$s:%5$d  (the address clients are told to send media to; if a browser cannot
                              reach it, as from Docker, WSL or a VPN, set PARLEY_MEDIA_ANNOUNCED_ADDRESS to one it
                              can reach; --media-port N moves the port)
                  AppID:      %2$d
                  Secret:     %3$s
                  Mint a token:
                    java -jar server/target/parley-server.jar token --app %2$d --secret %3$s --user alice --publish
                  or ask this server:  curl 'http://127.0.0.1:%1$d/dev/token?user=alice'
                """.formatted(port, appId, secret == null ? "(from your configuration)" : secret,
                mediaAddress.indexOf(':') >= 0 ? "[" + mediaAddress + "]" : mediaAddress, mediaPort);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
