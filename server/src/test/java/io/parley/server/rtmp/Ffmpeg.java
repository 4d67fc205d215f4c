package io.parley.server.rtmp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs ffmpeg as a real RTMP/HTTP-FLV peer. Skips when it is absent, unless PARLEY_FFMPEG_TESTS_REQUIRED=true. */
public final class Ffmpeg implements AutoCloseable {
    private final Process process;
    private final CompletableFuture<byte[]> stdout;
    private final CompletableFuture<byte[]> stderr;

    private Ffmpeg(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info"));
        cmd.addAll(args);
        process = new ProcessBuilder(cmd).start();
        stdout = readAll(process.getInputStream());
        stderr = readAll(process.getErrorStream());
    }

    public static void assumeAvailable() {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            found |= Files.isExecutable(Path.of(dir, "ffmpeg"));
        }
        if (!found && "true".equalsIgnoreCase(System.getenv("PARLEY_FFMPEG_TESTS_REQUIRED"))) {
            throw new AssertionError("ffmpeg is not on PATH but PARLEY_FFMPEG_TESTS_REQUIRED=true");
        }
        assumeTrue(found, "ffmpeg is not on PATH: skipping the real-client RTMP/HTTP-FLV tests");
    }

    public static Ffmpeg run(String... args) throws IOException {
        return new Ffmpeg(List.of(args));
    }

    /** Pushes a 1 kHz sine (AAC in FLV) for {@code seconds}, in real time. */
    public static Ffmpeg pushTone(String url, int seconds) throws IOException {
        return run("-re", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100", "-t", Integer.toString(seconds),
                "-c:a", "aac", "-b:a", "64k", "-f", "flv", url);
    }

    /** Reads a URL and decodes its audio to 16 kHz mono s16le on stdout, for {@code seconds} of media. */
    public static Ffmpeg decodeAudio(String url, int seconds) throws IOException {
        return run("-rw_timeout", "15000000", "-i", url, "-t", Integer.toString(seconds), "-vn",
                "-f", "s16le", "-ac", "1", "-ar", "16000", "pipe:1");
    }

    public boolean waitFor(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    public int exitCode() {
        return process.exitValue();
    }

    public byte[] stdout() {
        return stdout.join();
    }

    public String stderr() {
        return new String(stderr.join(), StandardCharsets.UTF_8);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static CompletableFuture<byte[]> readAll(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (in) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process went away; what was read is the output
            }
            return out.toByteArray();
        }, r -> {
            Thread t = new Thread(r, "ffmpeg-pipe");
            t.setDaemon(true);
            t.start();
        });
    }
}
