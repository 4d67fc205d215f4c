package io.parley.loadtest;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the command line in-process and keeps what it printed. */
record Cli(int exitCode, String out, String err) {
    static synchronized Cli run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream oldOut = LoadTest.out;
        PrintStream oldErr = LoadTest.err;
        LoadTest.out = new PrintStream(o, true, StandardCharsets.UTF_8);
        LoadTest.err = new PrintStream(e, true, StandardCharsets.UTF_8);
        try {
            int code = LoadTest.run(args);
            return new Cli(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            LoadTest.out = oldOut;
            LoadTest.err = oldErr;
        }
    }
}
