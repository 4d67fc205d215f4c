package io.parley.server.config;

import java.time.Duration;
import java.util.Locale;

/** Durations as operators write them: "90s", "5m", "2h", "1d", "250ms" or ISO-8601 ("PT1M"). */
public final class Durations {
    private Durations() {}

    static final String EXPECTED = "a duration like 250ms, 30s, 5m, 2h, 1d or PT1M";

    public static Duration parse(String v) {
        try {
            String t = v.trim();
            if (t.startsWith("P") || t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new IllegalArgumentException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + v + "' (expected: " + EXPECTED + ")");
        }
    }

    /** The shortest of the forms {@link #parse} reads back to the same value. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (!d.equals(Duration.ofMillis(ms))) {
            return d.toString();
        }
        if (ms % 86_400_000 == 0 && ms != 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
