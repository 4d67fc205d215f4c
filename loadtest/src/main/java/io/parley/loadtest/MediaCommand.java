package io.parley.loadtest;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "media", mixinStandardHelpOptions = true,
        description = {"Media load over the Java client's WebRTC path (ICE, DTLS, SRTP): per room, P publishers each send "
                + "Opus-sized packets at 50 per second and S players play every publisher's stream. Measures login, media "
                + "setup, login to first audio packet, per-packet forwarding latency and loss.", "",
                "Each payload starts with the send time (System.nanoTime, 8 bytes) and the packet's index (8 bytes), so a "
                + "player in this process times it and counts what it missed.", "",
                "Example: parley-loadtest media --secret S --app 1 --rooms 10 --publishers 1 --players 100 -d 60s"})
final class MediaCommand implements Callable<Integer> {
    /** Send time and packet index. */
    static final int HEADER_BYTES = 16;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--rooms", paramLabel = "R", description = "Rooms (default: ${DEFAULT-VALUE}).")
    int rooms = 1;

    @Option(names = {"-p", "--publishers"}, paramLabel = "P", description = "Publishers per room (default: ${DEFAULT-VALUE}).")
    int publishers = 1;

    @Option(names = {"-s", "--players"}, paramLabel = "S", description = "Players per room, each playing all P streams of its room "
            + "(default: ${DEFAULT-VALUE}).")
    int players = 10;

    @Option(names = "--packet-size", paramLabel = "MIN[-MAX]", description = "RTP payload bytes, uniform in MIN..MAX "
            + "(default: ${DEFAULT-VALUE}, Opus voice at 24-64 kbit/s).")
    String packetSize = "60-160";

    @Option(names = "--packet-rate", paramLabel = "PER_SECOND", description = "Packets per second per publisher "
            + "(default: ${DEFAULT-VALUE}: 20 ms frames).")
    int packetRate = 50;

    @Option(names = {"-r", "--login-rate"}, paramLabel = "PER_SECOND", description = "Sessions (publishers first, then players) "
            + "started per second; each player opens its transports after its login (default: ${DEFAULT-VALUE}).")
    double loginRate = 50;

    @Option(names = "--media-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "20s",
            description = "How long a transport may take for ICE and for the DTLS handshake (default: ${DEFAULT-VALUE}; the "
            + "client's own default is 10s, short for a ramp of hundreds of handshakes on a small machine).")
    java.time.Duration mediaTimeout;

    @Option(names = "--steady", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "End the run this long after every player is set up (the steady phase), however long the set-up "
            + "took; --duration still bounds the whole run (default: run until --duration).")
    java.time.Duration steady;

    @Option(names = "--bundle", description = "Each session uses one WebRTC transport for all its streams (BUNDLE: one "
            + "ICE/DTLS handshake per session, a m-line per stream) instead of one transport per stream.")
    boolean bundle;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "0s",
            description = "First run small copies of the scenario (at most " + MediaScenario.WARMUP_ROOMS + " rooms of "
            + MediaScenario.WARMUP_PLAYERS + " players, own rooms, same join rate and transport mode) for this long and "
            + "discard their figures, so that neither JVM's JIT compilation of the join path (DTLS, SRTP, SDP) is measured; "
            + "part of --duration (default: ${DEFAULT-VALUE}).")
    java.time.Duration warmup = java.time.Duration.ZERO;

    @Override
    public Integer call() throws Exception {
        return LoadTest.execute(common, this::validate, tokens -> new MediaScenario(common, tokens, rooms, publishers, players,
                minSize(), maxSize(), packetRate, loginRate, mediaTimeout).steadyFor(steady).bundle(bundle).warmup(warmup));
    }

    int minSize() {
        return Integer.parseInt(packetSize.split("-", 2)[0].trim());
    }

    int maxSize() {
        String[] p = packetSize.split("-", 2);
        return Integer.parseInt(p[p.length - 1].trim());
    }

    void validate() {
        Preflight.checkUrl(common.url);
        Preflight.positive("--rooms", rooms);
        Preflight.positive("--publishers", publishers);
        Preflight.notNegative("--players", players);
        Preflight.positive("--packet-rate", packetRate);
        if (packetRate > 1000) {
            throw new BadSettings("--packet-rate " + packetRate + " (expected: <= 1000 per publisher)");
        }
        if (!(loginRate > 0)) {
            throw new BadSettings("--login-rate " + loginRate + " (expected: > 0 sessions per second)");
        }
        if (steady != null && (steady.isNegative() || steady.isZero())) {
            throw new BadSettings("--steady " + steady + " (expected: > 0)");
        }
        if (common.duration.isNegative() || common.duration.isZero()) {
            throw new BadSettings("--duration " + common.duration + " (expected: > 0)");
        }
        if (warmup.isNegative() || warmup.compareTo(common.duration) >= 0) {
            throw new BadSettings("--warmup " + warmup + " (expected: >= 0 and shorter than --duration " + common.duration + ")");
        }
        int min;
        int max;
        try {
            min = minSize();
            max = maxSize();
        } catch (NumberFormatException e) {
            throw new BadSettings("--packet-size " + packetSize + " (expected: MIN or MIN-MAX in bytes, e.g. 60-160)");
        }
        if (min < HEADER_BYTES || max < min || max > 1200) {
            throw new BadSettings("--packet-size " + packetSize + " (expected: " + HEADER_BYTES + " <= MIN <= MAX <= 1200 bytes; "
                    + "the first " + HEADER_BYTES + " carry the send time and index)");
        }
        long sessionsPerRoom = (long) publishers + players;
        long transportsPerRoom = publishers + (long) players * publishers;
        Preflight.fitsFileLimit("a room of " + publishers + " publishers and " + players + " players (one TCP socket per session, "
                + "one UDP socket per transport)", sessionsPerRoom + transportsPerRoom);
        Preflight.fitsFileLimit("--rooms " + rooms + " of " + publishers + " publishers and " + players + " players (one TCP socket "
                + "per session, one UDP socket per transport)", rooms * (sessionsPerRoom + transportsPerRoom));
        Preflight.fitsEphemeralPorts(rooms * sessionsPerRoom);
    }
}
