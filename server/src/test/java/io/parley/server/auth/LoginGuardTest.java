package io.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.server.config.ParleyConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The failed-login budgets, on a clock the test moves. */
class LoginGuardTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LoginGuard guard = new LoginGuard(
            new ParleyConfig.Auth(Duration.ofSeconds(60), 5, 12, Duration.ofMinutes(1), 1000), now::get);

    private static InetAddress addr(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
    }

    private void refused(InetAddress a, long app, String part) {
        assertThatThrownBy(() -> guard.admit(a, app)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining(part)
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.LOGIN_RATE_LIMITED));
    }

    @Test
    void anAddressThatKeepsFailingIsRefusedUntilItsBudgetRefills() throws Exception {
        InetAddress a = addr(1);
        for (int i = 0; i < 5; i++) {
            guard.admit(a, 1);
            guard.failed(a, 1);
        }
        refused(a, 1, "from this address");
        guard.admit(addr(2), 1); // another address is not affected
        assertThat(guard.refused(LoginGuard.Scope.ADDRESS)).isEqualTo(1);
        now.addAndGet(Duration.ofSeconds(11).toNanos()); // 5 per minute: one more after 12 s
        refused(a, 1, "retry in 1 s");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        guard.admit(a, 1);
        guard.failed(a, 1);
        refused(a, 1, "from this address");
    }

    @Test
    void anAppUnderAttackFromManyAddressesIsRefusedAsAWhole() throws Exception {
        for (int i = 0; i < 12; i++) {
            guard.admit(addr(10 + i), 7);
            guard.failed(addr(10 + i), 7);
        }
        refused(addr(99), 7, "from this App");
        guard.admit(addr(99), 8); // another App is not affected
        assertThat(guard.refused(LoginGuard.Scope.APP)).isEqualTo(1);
    }

    @Test
    void successesCostNothing() throws Exception {
        for (int i = 0; i < 100; i++) {
            guard.admit(addr(3), 1);
        }
    }
}
