package io.parley.server;

import io.parley.server.auth.JwtTokens;
import io.parley.server.auth.Token04;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ConfigException;
import io.parley.server.config.ConfigLoader;
import io.parley.server.config.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import io.parley.protocol.signal.SignalCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Mints a login token for an App: JWT (HS256) by default, ZEGO token04 on request. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Mint a token. The secret comes from --secret, the PARLEY_APP_SECRET environment variable, "
                + "or the App's entry in --config FILE (with its PARLEY_APP_<AppID>_SECRET override).")
final class TokenCommand implements Callable<Integer> {
    enum Format { jwt, token04, token04_cbc }

    @Option(names = "--app", required = true, description = "AppID")
    long appId;

    @Option(names = "--secret", description = "the App's 32-byte secret (default: $PARLEY_APP_SECRET)")
    String secret;

    @Option(names = "--config", paramLabel = "FILE", description = "find the App's secret in this configuration")
    Path config;

    @Option(names = "--user", required = true, description = "userID the token is for")
    String user;

    @Option(names = "--room", description = "restrict login to this roomID")
    String room;

    @Option(names = "--publish", description = "grant the publish privilege")
    boolean publish;

    @Option(names = "--stream", description = "restrict publishing to these streamIDs (repeatable)")
    List<String> streams = new ArrayList<>();

    @Option(names = "--ttl", description = "lifetime, e.g. 3600s, 60m, 24h (ISO-8601 PT1H works too; default ${DEFAULT-VALUE})")
    String ttl = "1h";

    @Option(names = "--format", description = "jwt (default), token04 (AES-GCM envelope) or token04_cbc (legacy AES-CBC)")
    Format format = Format.jwt;

    @Override
    public Integer call() throws Exception {
        String s = secret != null ? secret : System.getenv("PARLEY_APP_SECRET");
        if (s == null && config != null) {
            try {
                s = ConfigLoader.load(config, System.getenv()).config().apps().stream()
                        .filter(a -> a.appId() == appId).map(AppConfig::secret).findFirst().orElse(null);
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            if (s == null) {
                System.err.println("--app: AppID " + appId + " is not in " + config + " (expected: one of its apps[].appId)");
                return 2;
            }
        }
        if (s == null) {
            System.err.println("--secret: missing (expected: --secret, PARLEY_APP_SECRET or --config FILE)");
            return 2;
        }
        AppConfig app;
        Duration life;
        try {
            app = new AppConfig(appId, s);
            life = parseDuration(ttl);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Instant now = Instant.now();
        Instant exp = now.plus(life);
        String token;
        if (format == Format.jwt) {
            token = JwtTokens.mint(appId, user, app.secretBytes(), now, exp, room, true, publish, streams);
        } else {
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("room_id", room == null ? "" : room);
            payload.put("privilege", Map.of("1", 1, "2", publish ? 1 : 0));
            payload.put("stream_id_list", streams.isEmpty() ? null : streams);
            token = Token04.mint(format == Format.token04 ? Token04.Envelope.GCM : Token04.Envelope.CBC, appId, user,
                    app.secretBytes(), now.getEpochSecond(), exp.getEpochSecond(),
                    SignalCodec.MAPPER.writeValueAsString(payload));
        }
        System.out.println(token);
        return 0;
    }

    /** Accepts "90s", "15m", "2h", "1d" or ISO-8601 ("PT1H"). */
    static Duration parseDuration(String v) {
        try {
            return Durations.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ttl: " + e.getMessage());
        }
    }
}
