package io.parley.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.parley.protocol.signal.SignalCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The login's token check: {@code verify} is {@link JwtTokens#verify} as it is; {@code jjwtParser} is what it was
 * before (jjwt's parser, then the claims mapped to a tree), kept here to compare. Run with {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JwtVerifyBenchmark {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.now();
    private static final Duration SKEW = Duration.ofSeconds(60);
    private final String token = JwtTokens.mint(1, "load-user-123", SECRET, NOW.minusSeconds(10), NOW.plusSeconds(3600),
            "room-7", true, true, List.of("stream-1"));

    @Benchmark
    public TokenClaims verify() {
        return JwtTokens.verify(SECRET, token, NOW, SKEW);
    }

    @Benchmark
    public long jjwtParser() {
        Claims c = Jwts.parser().verifyWith(Keys.hmacShaKeyFor(SECRET)).clock(() -> Date.from(NOW))
                .clockSkewSeconds(SKEW.toSeconds()).build().parseSignedClaims(token).getPayload();
        JsonNode json = SignalCodec.MAPPER.valueToTree(c);
        return json.get("app_id").asLong() + json.get("user_id").textValue().length() + c.getExpiration().getTime();
    }
}
