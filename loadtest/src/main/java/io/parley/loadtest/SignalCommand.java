package io.parley.loadtest;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "signal", mixinStandardHelpOptions = true,
        description = {"Signalling load: N sessions in rooms of M members, logged in at R per second, then publish/unpublish "
                + "and logout/login churn. Measures connect, login, user and stream fan-out latencies.", "",
                "Example: parley-loadtest signal --secret S --app 1 --sessions 10000 --room-size 100 --login-rate 1000 -d 60s"})
final class SignalCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = {"-n", "--sessions"}, paramLabel = "N", description = "Sessions (one WebSocket each; default: ${DEFAULT-VALUE}).")
    int sessions = 100;

    @Option(names = {"-m", "--room-size"}, paramLabel = "M", description = "Members per room; the last room takes the rest (default: ${DEFAULT-VALUE}).")
    int roomSize = 10;

    @Option(names = {"-r", "--login-rate"}, paramLabel = "PER_SECOND", description = "Logins started per second during ramp-up (default: ${DEFAULT-VALUE}).")
    double loginRate = 100;

    @Option(names = "--publish-rate", paramLabel = "PER_SECOND", description = "After ramp-up: startPublishing per second, "
            + "over the rooms in turn, each by a member not publishing yet (default: ${DEFAULT-VALUE}; 0: none).")
    double publishRate = 1;

    @Option(names = "--publish-hold", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1s",
            description = "How long each stream stays published before stopPublishing (default: ${DEFAULT-VALUE}).")
    Duration publishHold = Duration.ofSeconds(1);

    @Option(names = "--relogin-rate", paramLabel = "PER_SECOND", description = "After ramp-up: logoutRoom + loginRoom per second "
            + "by random members (sustained login load without more sockets; default: ${DEFAULT-VALUE}). A member whose logout "
            + "the server takes before a publish in flight is not told of it and counts in stream_fanout_missing.")
    double reloginRate = 0;

    @Option(names = "--user-updates", negatable = true, description = "Log in with config.userUpdate, so every login is "
            + "pushed to the room's members and timed as user_fanout (default: ${DEFAULT-VALUE}; costs M pushes per login).")
    boolean userUpdates = false;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "0s",
            description = "First run a small copy of the scenario (up to " + SignalScenario.WARMUP_SESSIONS + " sessions, "
            + "own rooms) for this long and discard its figures, so that JIT compilation is not measured; part of --duration "
            + "(default: ${DEFAULT-VALUE}).")
    Duration warmup = Duration.ZERO;

    @Override
    public Integer call() throws Exception {
        return LoadTest.execute(common, this::validate, tokens -> new SignalScenario(common, tokens, sessions, roomSize,
                loginRate, publishRate, publishHold, reloginRate, userUpdates, warmup));
    }

    void validate() {
        Preflight.checkUrl(common.url);
        Preflight.positive("--sessions", sessions);
        Preflight.positive("--room-size", roomSize);
        if (!(loginRate > 0)) {
            throw new BadSettings("--login-rate " + loginRate + " (expected: > 0 logins per second)");
        }
        Preflight.notNegative("--publish-rate", publishRate);
        Preflight.notNegative("--relogin-rate", reloginRate);
        if (publishHold.isNegative() || publishHold.isZero()) {
            throw new BadSettings("--publish-hold " + publishHold + " (expected: > 0)");
        }
        if (common.duration.isNegative() || common.duration.isZero()) {
            throw new BadSettings("--duration " + common.duration + " (expected: > 0)");
        }
        if (roomSize > sessions) {
            throw new BadSettings("--room-size " + roomSize + " > --sessions " + sessions + " (expected: room size <= sessions)");
        }
        Preflight.fitsFileLimit("--room-size " + roomSize, roomSize);
        Preflight.fitsFileLimit("--sessions " + sessions, sessions + (warmup.isZero() ? 0 : SignalScenario.WARMUP_SESSIONS));
        if (warmup.isNegative() || warmup.compareTo(common.duration) >= 0) {
            throw new BadSettings("--warmup " + warmup + " (expected: >= 0 and shorter than --duration " + common.duration + ")");
        }
        Preflight.fitsEphemeralPorts(sessions);
    }
}
