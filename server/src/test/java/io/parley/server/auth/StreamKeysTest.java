package io.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.config.AppConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RTMP/FLV URL keys: bound to what they grant, short-lived, opaque, and refused with a reason. */
class StreamKeysTest {
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final AppConfig A = new AppConfig(11, "0123456789abcdef0123456789abcdef");
    private static final AppConfig B = new AppConfig(22, "fedcba9876543210fedcba9876543210");
    private final StreamKeys keys = new StreamKeys(List.of(A, B), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(10));

    private static void refused(Runnable r, StreamKeys.Refusal why) {
        assertThatThrownBy(r::run).isInstanceOf(StreamKeys.RefusedException.class)
                .satisfies(e -> assertThat(((StreamKeys.RefusedException) e).refusal()).isEqualTo(why));
    }

    @Test
    void aKeyGrantsWhatItWasMintedFor() {
        String k = keys.mint(StreamKeys.Kind.PUBLISH, 11, "room-1", "alice", "alice-mic", 42);
        StreamKeys.Grant g = keys.verify(k, StreamKeys.Kind.PUBLISH, "alice-mic");
        assertThat(g).isEqualTo(new StreamKeys.Grant(StreamKeys.Kind.PUBLISH, 11, "room-1", "alice", "alice-mic", 42,
                NOW.plus(Duration.ofMinutes(10)).toEpochMilli()));
        assertThat(k).startsWith("11.").doesNotContain("room-1").doesNotContain("alice").matches("[0-9]+\\.[A-Za-z0-9_-]+");
    }

    @Test
    void refusals() {
        String pub = keys.mint(StreamKeys.Kind.PUBLISH, 11, "r", "u", "s", 1);
        refused(() -> keys.verify(null, StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.MISSING);
        refused(() -> keys.verify("", StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.MISSING);
        refused(() -> keys.verify("garbage", StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.MALFORMED);
        refused(() -> keys.verify("11.!!!", StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.MALFORMED);
        refused(() -> keys.verify("11.AAAA", StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.MALFORMED);
        refused(() -> keys.verify("x".repeat(5000), StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.MALFORMED);
        refused(() -> keys.verify(pub, StreamKeys.Kind.PLAY, "s"), StreamKeys.Refusal.WRONG_KIND);
        refused(() -> keys.verify(pub, StreamKeys.Kind.PUBLISH, "other"), StreamKeys.Refusal.WRONG_STREAM);
        refused(() -> keys.verify("99" + pub.substring(2), StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.UNKNOWN_APP);
        refused(() -> keys.verify("22" + pub.substring(2), StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.FORGED);
        byte[] bin = Base64.getUrlDecoder().decode(pub.substring(3));
        bin[bin.length / 2] ^= 1;
        String altered = "11." + Base64.getUrlEncoder().withoutPadding().encodeToString(bin);
        refused(() -> keys.verify(altered, StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.FORGED);
        StreamKeys later = new StreamKeys(List.of(A), Clock.fixed(NOW.plus(Duration.ofMinutes(10)), ZoneOffset.UTC),
                Duration.ofMinutes(10));
        refused(() -> later.verify(pub, StreamKeys.Kind.PUBLISH, "s"), StreamKeys.Refusal.EXPIRED);
    }

    @Test
    void everyKeyIsDifferent() {
        assertThat(keys.mint(StreamKeys.Kind.PLAY, 11, "r", "u", "s", 1))
                .isNotEqualTo(keys.mint(StreamKeys.Kind.PLAY, 11, "r", "u", "s", 1));
    }
}
