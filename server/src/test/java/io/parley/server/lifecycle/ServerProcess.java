package io.parley.server.lifecycle;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code java -cp <main classpath> io.parley.server.Main --config <file>} as a child process: what an operator runs,
 * signals included. Its output is kept for assertions and failure messages.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on /[^:]+:(\\d+)");

    private final Process process;
    private final Path log;

    private ServerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Output goes to a file: Process.destroy() closes the pipes, and the drain's lines come after it. */
    static ServerProcess start(Path config, Map<String, String> env) throws IOException {
        return start(config.resolveSibling("server.log"), env, "--config", config.toString());
    }

    /** {@code io.parley.server.Main ARGS...} with its output (stdout and stderr) in {@code log}. */
    static ServerProcess start(Path log, Map<String, String> env, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", mainClasspath(), "io.parley.server.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PARLEY_"));
        pb.environment().putAll(env);
        return new ServerProcess(pb.start(), log);
    }

    /** The test JVM's classpath without the test classes (their logback-test.xml would silence the server). */
    static String mainClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.replace('\\', '/').endsWith("/test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    static Path writeConfig(Path dir, String yaml) throws IOException {
        Path f = dir.resolve("parley.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    Process process() {
        return process;
    }

    /** The gateway's port once it has logged that it listens; -1 before. */
    int port() {
        Matcher m = LISTENING.matcher(output());
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    boolean outputContains(String s) {
        return output().contains(s);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(Duration.ofSeconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }
}
