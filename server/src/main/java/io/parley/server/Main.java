package io.parley.server;

import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar parley-server.jar [--dev] [--port N]} runs the server; {@code ... token ...} mints a token. */
@Command(name = "parley", mixinStandardHelpOptions = true, subcommands = TokenCommand.class,
        description = "Parley: a self-hosted real-time audio room server.")
public final class Main implements Callable<Integer> {
    static final long DEV_APP_ID = 1;

    @Option(names = "--dev", description = "Run on the embedded dev config: one App (AppID 1) with a fresh secret, "
            + "printed at start, and the /dev/token endpoint.")
    boolean dev;

    @Option(names = "--port", description = "Gateway TCP port (HTTP + WebSocket; default ${DEFAULT-VALUE}).")
    int port = ParleyConfig.Server.DEFAULTS.port();

    @Option(names = "--host", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String host = ParleyConfig.Server.DEFAULTS.host();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!dev) {
            System.err.println("no Apps configured: pass --dev (embedded dev config)");
            return 2;
        }
        String secret = HexFormat.of().formatHex(randomBytes(16));
        ParleyConfig config = ParleyConfig.DEFAULTS
                .withServer(new ParleyConfig.Server(host, port, ParleyConfig.Server.MAX_FRAME_BYTES, 0))
                .withApps(List.of(new AppConfig(DEV_APP_ID, secret)))
                .withDev(true);
        ParleyServer server = ParleyServer.start(config);
        printDevBanner(server.port(), secret);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "parley-shutdown"));
        stopped.await();
        return 0;
    }

    private static void printDevBanner(int port, String secret) {
        System.out.println("""
                Parley dev mode (never use in production)
                  WebSocket:  ws://127.0.0.1:%1$d/ws
                  AppID:      %2$d
                  Secret:     %3$s
                  Mint a token:
                    java -jar server/target/parley-server.jar token --app %2$d --secret %3$s --user alice --publish
                  or ask this server:  curl 'http://127.0.0.1:%1$d/dev/token?user=alice'
                """.formatted(port, DEV_APP_ID, secret));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
