package io.parley.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.signal.SignalCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The operator's commands ({@code parley rooms}, {@code parley users ROOM}, {@code parley kick ROOM USER...}): signed
 * calls to a running server's API (docs/server-api.md) with an App's secret. Exit status: 0 done, 1 the server
 * refused or could not be reached (one line saying which), 2 bad arguments.
 */
final class OperatorCommands {
    static final String API_ENV = "PARLEY_API_URL";
    static final String APP_ENV = "PARLEY_APP_ID";
    static final String SECRET_ENV = "PARLEY_APP_SECRET";
    static final String DEFAULT_API = "http://127.0.0.1:8081";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int PAGE = 200;
    private static final int KICK_BATCH = 5;

    private OperatorCommands() {}

    /** What every operator command needs: where the API is and the App to sign as. */
    static final class Target {
        @Option(names = "--api", paramLabel = "URL",
                description = "the server API's base URL (default: $" + API_ENV + ", else " + DEFAULT_API + ")")
        String api;

        @Option(names = "--app", paramLabel = "ID", description = "AppID (default: $" + APP_ENV + ")")
        Long appId;

        @Option(names = "--secret", description = "the App's secret (default: $" + SECRET_ENV + ")")
        String secret;

        @Option(names = "--json", description = "print the API's Data as JSON instead of a table")
        boolean json;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        Map<String, String> env = System.getenv();
        PrintWriter out;
        PrintWriter err;

        /** Validates the target; returns null when complete, else the one-line complaint. */
        String problem() {
            out = spec.commandLine().getOut();
            err = spec.commandLine().getErr();
            if (api == null) {
                api = env.getOrDefault(API_ENV, DEFAULT_API);
            }
            if (appId == null) {
                String a = env.get(APP_ENV);
                if (a == null || a.isBlank()) {
                    return "--app: missing (expected: --app ID or $" + APP_ENV + ")";
                }
                try {
                    appId = Long.parseLong(a.trim());
                } catch (NumberFormatException e) {
                    return "$" + APP_ENV + ": '" + a + "' (expected: a numeric AppID)";
                }
            }
            if (secret == null) {
                secret = env.get(SECRET_ENV);
                if (secret == null || secret.isEmpty()) {
                    return "--secret: missing (expected: --secret or $" + SECRET_ENV + ", the App's secret)";
                }
            }
            try {
                URI u = URI.create(api);
                if (u.getScheme() == null || !u.getScheme().startsWith("http") || u.getHost() == null) {
                    return "--api: '" + api + "' (expected: http://host:port or https://host:port)";
                }
            } catch (IllegalArgumentException e) {
                return "--api: '" + api + "' (expected: http://host:port or https://host:port)";
            }
            return null;
        }

        /** Calls an action (GET with the parameters in the query, or POST with {@code body}); returns its Data. */
        JsonNode call(String action, List<String> query, ObjectNode body) throws ApiFailure {
            byte[] n = new byte[8];
            new SecureRandom().nextBytes(n);
            String nonce = HexFormat.of().formatHex(n);
            long ts = System.currentTimeMillis() / 1000;
            StringBuilder url = new StringBuilder(api.replaceAll("/+$", "")).append("/?Action=").append(action)
                    .append("&AppId=").append(appId).append("&SignatureNonce=").append(nonce)
                    .append("&Timestamp=").append(ts).append("&SignatureVersion=2.0&Signature=")
                    .append(signature(appId, nonce, secret, ts));
            for (int i = 0; i + 1 < query.size(); i += 2) {
                url.append('&').append(enc(query.get(i))).append('=').append(enc(query.get(i + 1)));
            }
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url.toString())).timeout(TIMEOUT);
            if (body != null) {
                req.header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
            }
            HttpResponse<String> res;
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
                res = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ApiFailure("cannot reach the server API at " + api + " (" + e
                        + "): is the server running, and is this api.port (" + API_ENV + " / --api)?");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiFailure("interrupted");
            }
            JsonNode envelope;
            try {
                envelope = SignalCodec.MAPPER.readTree(res.body());
            } catch (IOException e) {
                envelope = null;
            }
            if (envelope == null || !envelope.has("Code")) {
                throw new ApiFailure(action + ": HTTP " + res.statusCode() + " from " + api
                        + " is not a server API answer (expected: the API port, default 8081, not the gateway's)");
            }
            int code = envelope.path("Code").asInt();
            if (code != 0) {
                throw new ApiFailure(action + " refused: Code " + code + ": " + envelope.path("Message").asText());
            }
            return envelope.path("Data");
        }

        int fail(String why) {
            err.println("parley: " + why);
            err.flush();
            return 1;
        }
    }

    /** The server said no, or could not be asked. */
    static final class ApiFailure extends Exception {
        private static final long serialVersionUID = 1L;

        ApiFailure(String message) {
            super(message, null, false, false);
        }
    }

    static String signature(long appId, String nonce, String secret, long timestamp) {
        try {
            byte[] d = MessageDigest.getInstance("MD5")
                    .digest((appId + nonce + secret + timestamp).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Command(name = "rooms", mixinStandardHelpOptions = true,
            description = "List the App's open rooms on a running server, with member and stream counts "
                    + "(server API action DescribeRoomList).")
    static final class Rooms implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Override
        public Integer call() {
            String problem = target.problem();
            if (problem != null) {
                target.err.println("parley rooms: " + problem);
                return 2;
            }
            List<JsonNode> rooms = new ArrayList<>();
            try {
                String marker = "";
                do {
                    JsonNode data = target.call("DescribeRoomList", List.of("Limit", Integer.toString(PAGE), "Marker", marker), null);
                    data.path("RoomList").forEach(rooms::add);
                    marker = data.path("Marker").asText("");
                } while (!marker.isEmpty());
            } catch (ApiFailure e) {
                return target.fail(e.getMessage());
            }
            if (target.json) {
                target.out.println(SignalCodec.MAPPER.createArrayNode().addAll(rooms));
                return 0;
            }
            if (rooms.isEmpty()) {
                target.out.println("no open rooms for App " + target.appId);
                return 0;
            }
            target.out.printf("%-40s %6s %8s%n", "ROOM", "USERS", "STREAMS");
            for (JsonNode r : rooms) {
                target.out.printf("%-40s %6d %8d%n", r.path("RoomId").asText(), r.path("UserCount").asInt(),
                        r.path("StreamCount").asInt());
            }
            return 0;
        }
    }

    @Command(name = "users", mixinStandardHelpOptions = true,
            description = "List the members of a room on a running server (server API action DescribeUserList).")
    static final class Users implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Parameters(index = "0", paramLabel = "ROOM", description = "the roomID")
        String room;

        @Override
        public Integer call() {
            String problem = target.problem();
            if (problem != null) {
                target.err.println("parley users: " + problem);
                return 2;
            }
            List<JsonNode> users = new ArrayList<>();
            try {
                String marker = "";
                do {
                    JsonNode data = target.call("DescribeUserList",
                            List.of("RoomId", room, "Limit", Integer.toString(PAGE), "Marker", marker), null);
                    data.path("UserList").forEach(users::add);
                    marker = data.path("Marker").asText("");
                } while (!marker.isEmpty());
            } catch (ApiFailure e) {
                return target.fail(e.getMessage());
            }
            if (target.json) {
                target.out.println(SignalCodec.MAPPER.createArrayNode().addAll(users));
                return 0;
            }
            if (users.isEmpty()) {
                target.out.println("no members in room " + room);
                return 0;
            }
            target.out.printf("%-40s %s%n", "USER", "NAME");
            for (JsonNode u : users) {
                target.out.printf("%-40s %s%n", u.path("UserId").asText(), u.path("UserName").asText());
            }
            return 0;
        }
    }

    @Command(name = "kick", mixinStandardHelpOptions = true,
            description = "Kick users out of a room on a running server (server API action KickoutUser): each gets "
                    + "KICKOUT 1002055 with the reason.")
    static final class Kick implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Parameters(index = "0", paramLabel = "ROOM", description = "the roomID")
        String room;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "USER", description = "userIDs to kick")
        List<String> users;

        @Option(names = "--reason", description = "CustomReason told to the kicked clients (<= 256 bytes)")
        String reason = "";

        @Override
        public Integer call() {
            String problem = target.problem();
            if (problem != null) {
                target.err.println("parley kick: " + problem);
                return 2;
            }
            try {
                for (int i = 0; i < users.size(); i += KICK_BATCH) {
                    ObjectNode body = SignalCodec.MAPPER.createObjectNode().put("RoomId", room).put("CustomReason", reason);
                    users.subList(i, Math.min(users.size(), i + KICK_BATCH)).forEach(body.putArray("UserId")::add);
                    target.call("KickoutUser", List.of(), body);
                }
            } catch (ApiFailure e) {
                return target.fail(e.getMessage());
            }
            if (!target.json) {
                target.out.println("kicked from " + room + ": " + String.join(", ", users)
                        + " (users who were not in the room are ignored)");
            }
            return 0;
        }
    }
}
