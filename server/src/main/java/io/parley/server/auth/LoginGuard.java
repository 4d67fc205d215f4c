package io.parley.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.server.config.ParleyConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate-limits failed logins per source address and per App: each has a token bucket of
 * {@code auth.failedLoginsPerAddress} / {@code auth.failedLoginsPerApp} failures that refills over
 * {@code auth.failedLoginWindow}. An empty bucket refuses the login before its token is even looked at, so a
 * client cannot use the server as an oracle at speed. Buckets live in bounded Caffeine caches; an idle one expires.
 */
public final class LoginGuard {
    private static final Logger log = LoggerFactory.getLogger(LoginGuard.class);

    public enum Scope { ADDRESS, APP }

    private final ParleyConfig.Auth config;
    private final LongSupplier nanos;
    private final Cache<InetAddress, Bucket> byAddress;
    private final Cache<Long, Bucket> byApp;
    private final LongAdder refusedByAddress = new LongAdder();
    private final LongAdder refusedByApp = new LongAdder();

    public LoginGuard(ParleyConfig.Auth config, LongSupplier nanos) {
        this.config = config;
        this.nanos = nanos;
        Duration idle = config.failedLoginWindow().multipliedBy(2);
        this.byAddress = Caffeine.newBuilder().maximumSize(config.maxTrackedAddresses())
                .expireAfterAccess(idle.toNanos(), TimeUnit.NANOSECONDS).build();
        this.byApp = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterAccess(idle.toNanos(), TimeUnit.NANOSECONDS).build();
    }

    /** Refuses (1002071) when the address or the App has no failures left in its bucket. Any thread. */
    public void admit(InetAddress source, long appId) {
        long now = nanos.getAsLong();
        if (source != null && config.failedLoginsPerAddress() > 0) {
            Bucket b = byAddress.getIfPresent(source);
            if (b != null && !b.hasToken(now)) {
                refusedByAddress.increment();
                if (b.noteRefusal()) {
                    log.warn("failed logins rate-limited: address={} app={} (more than {} failures per {})",
                            source.getHostAddress(), appId, config.failedLoginsPerAddress(), config.failedLoginWindow());
                }
                throw refusal("this address", config.failedLoginsPerAddress(), b.retryAfterSeconds(now));
            }
        }
        if (config.failedLoginsPerApp() > 0) {
            Bucket b = byApp.getIfPresent(appId);
            if (b != null && !b.hasToken(now)) {
                refusedByApp.increment();
                if (b.noteRefusal()) {
                    log.warn("failed logins rate-limited: app={} address={} (more than {} failures per {} for the App)",
                            appId, source == null ? "-" : source.getHostAddress(), config.failedLoginsPerApp(),
                            config.failedLoginWindow());
                }
                throw refusal("this App", config.failedLoginsPerApp(), b.retryAfterSeconds(now));
            }
        }
    }

    /** Records one failed login (a token that did not verify) against the address and the App. Any thread. */
    public void failed(InetAddress source, long appId) {
        long now = nanos.getAsLong();
        long window = config.failedLoginWindow().toNanos();
        if (source != null && config.failedLoginsPerAddress() > 0) {
            byAddress.get(source, k -> new Bucket(config.failedLoginsPerAddress(), window, now)).take(now);
        }
        if (config.failedLoginsPerApp() > 0) {
            byApp.get(appId, k -> new Bucket(config.failedLoginsPerApp(), window, now)).take(now);
        }
    }

    public long refused(Scope scope) {
        return scope == Scope.ADDRESS ? refusedByAddress.sum() : refusedByApp.sum();
    }

    private ProtocolException refusal(String who, int limit, long retryAfter) {
        return new ProtocolException(ErrorCode.LOGIN_RATE_LIMITED, "too many failed logins from " + who + " (more than "
                + limit + " per " + config.failedLoginWindow().toSeconds() + " s): retry in " + retryAfter + " s");
    }

    /** A token bucket of failures: capacity {@code limit}, refilled linearly over {@code windowNanos}. */
    static final class Bucket {
        private final double capacity;
        private final double perNano;
        private double tokens;
        private long updated;
        private boolean limited;

        Bucket(int limit, long windowNanos, long now) {
            this.capacity = limit;
            this.perNano = limit / (double) windowNanos;
            this.tokens = limit;
            this.updated = now;
        }

        synchronized boolean hasToken(long now) {
            refill(now);
            if (tokens >= 1) {
                limited = false;
                return true;
            }
            return false;
        }

        synchronized void take(long now) {
            refill(now);
            tokens = Math.max(0, tokens - 1);
        }

        /** True on the first refusal since the bucket last had a token (one log line per episode). */
        synchronized boolean noteRefusal() {
            boolean first = !limited;
            limited = true;
            return first;
        }

        synchronized long retryAfterSeconds(long now) {
            refill(now);
            double missing = Math.max(0, 1 - tokens);
            return Math.max(1, (long) Math.ceil(missing / perNano / 1e9 - 1e-6));
        }

        private void refill(long now) {
            long elapsed = now - updated;
            if (elapsed > 0) {
                tokens = Math.min(capacity, tokens + elapsed * perNano);
                updated = now;
            }
        }
    }
}
