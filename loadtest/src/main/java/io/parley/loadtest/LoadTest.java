package io.parley.loadtest;

import java.io.PrintStream;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar parley-loadtest.jar signal|media|rtmp [options]}: a load generator for a Parley server, in the manner of
 * LiveKit's {@code lk load-test}. Exit codes: 0 the run completed without errors, 1 it completed with errors (or no
 * login succeeded), 2 bad settings or an unreachable server.
 */
@Command(name = "parley-loadtest", mixinStandardHelpOptions = true, version = "parley-loadtest 0.1",
        subcommands = {SignalCommand.class, MediaCommand.class, RtmpCommand.class},
        description = "Load generator for a Parley server: signalling and media scenarios, HdrHistogram percentiles, JSON report.")
public final class LoadTest implements Runnable {
    static PrintStream out = System.out;
    static PrintStream err = System.err;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses and runs; returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new LoadTest());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(out);
    }

    /** Validates, checks the server answers, gets a token source, then runs the scenario. */
    static int execute(CommonOptions common, Runnable validate, Function<Tokens, Scenario> scenario) throws InterruptedException {
        Scenario s;
        try {
            validate.run();
            Preflight.reachable(common.url, common.connectTimeout);
            s = scenario.apply(Tokens.of(common));
        } catch (BadSettings e) {
            err.println("parley-loadtest: " + e.getMessage());
            return Runner.BAD_SETTINGS;
        }
        return new Runner(common, s, out, err).run();
    }
}
