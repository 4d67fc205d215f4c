package io.parley.loadtest;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "rtmp", mixinStandardHelpOptions = true,
        description = {"WeChat mini-program media (RTMP in, HTTP-FLV and WebRTC out): per room one session publishes over "
                + "RTMP (startPublishing transport rtmp, then a push of pre-encoded AAC to the URL, paced in real time: "
                + "46.9 frames/s), then S sessions play it over HTTP-FLV (startPlaying transport flv, then GET the URL) "
                + "and W sessions play it over WebRTC with the Java client (which makes the server transcode AAC to Opus).", "",
                "Measures the push setup, HTTP-FLV request to first audio tag and first AAC frame, publisher to FLV "
                + "player per frame, RTMP frame to the first RTP packet carrying it (WebRTC players), frames lost, "
                + "timestamp gaps and duplicates.", "",
                "Example: parley-loadtest rtmp --secret S --app 1 --rooms 200 --flv-players 5 -r 100 -d 60s"})
final class RtmpCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--rooms", paramLabel = "R", description = "Rooms, each with one RTMP publisher (default: ${DEFAULT-VALUE}).")
    int rooms = 1;

    @Option(names = {"-s", "--flv-players"}, paramLabel = "S", description = "HTTP-FLV players per room (default: ${DEFAULT-VALUE}).")
    int flvPlayers = 5;

    @Option(names = {"-w", "--webrtc-players"}, paramLabel = "W", description = "WebRTC players per room; any makes the "
            + "server transcode that room's stream to Opus (default: ${DEFAULT-VALUE}).")
    int webrtcPlayers = 0;

    @Option(names = {"-r", "--login-rate"}, paramLabel = "PER_SECOND", description = "Sessions (publishers first, then "
            + "players) started per second (default: ${DEFAULT-VALUE}).")
    double loginRate = 50;

    @Option(names = "--media-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "20s",
            description = "How long a WebRTC player's transport may take for ICE and DTLS (default: ${DEFAULT-VALUE}).")
    java.time.Duration mediaTimeout;

    @Option(names = "--steady", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "End the run this long after every player is set up (the steady phase), however long the set-up "
            + "took; --duration still bounds the whole run (default: run until --duration).")
    java.time.Duration steady;

    @Override
    public Integer call() throws Exception {
        return LoadTest.execute(common, this::validate,
                tokens -> new RtmpScenario(common, tokens, rooms, flvPlayers, webrtcPlayers, loginRate, mediaTimeout).steadyFor(steady));
    }

    void validate() {
        Preflight.checkUrl(common.url);
        Preflight.positive("--rooms", rooms);
        Preflight.notNegative("--flv-players", flvPlayers);
        Preflight.notNegative("--webrtc-players", webrtcPlayers);
        if (!(loginRate > 0)) {
            throw new BadSettings("--login-rate " + loginRate + " (expected: > 0 sessions per second)");
        }
        if (steady != null && (steady.isNegative() || steady.isZero())) {
            throw new BadSettings("--steady " + steady + " (expected: > 0)");
        }
        if (common.duration.isNegative() || common.duration.isZero()) {
            throw new BadSettings("--duration " + common.duration + " (expected: > 0)");
        }
        // per room: publisher WebSocket + RTMP socket; per FLV player WebSocket + HTTP socket; per WebRTC player
        // WebSocket + UDP socket
        long perRoom = 2 + 2L * flvPlayers + 2L * webrtcPlayers;
        Preflight.fitsFileLimit("--rooms " + rooms + " of 1 RTMP publisher, " + flvPlayers + " FLV and " + webrtcPlayers
                + " WebRTC players (two sockets each)", rooms * perRoom);
        Preflight.fitsEphemeralPorts(rooms * perRoom);
    }
}
