package io.parley.server.auth;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.server.config.AppConfig;
import io.parley.server.config.ParleyConfig;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;

/** Checks a login or publish against a token of either format (JWT or ZEGO token04). */
public final class TokenVerifier {
    private final Clock clock;
    private final Duration clockSkew;
    private final LoginGuard guard;

    public TokenVerifier(Clock clock) {
        this(clock, ParleyConfig.Auth.DEFAULTS);
    }

    public TokenVerifier(Clock clock, ParleyConfig.Auth config) {
        this.clock = clock;
        this.clockSkew = config.clockSkew();
        this.guard = new LoginGuard(config, System::nanoTime);
    }

    public LoginGuard guard() {
        return guard;
    }

    /**
     * {@link #verifyLogin(AppConfig, String, String, String)} behind the failed-login budgets of {@code source}
     * and the App: refused (1002071) without looking at the token while either budget is spent; a token that
     * does not verify spends one failure from both.
     */
    public TokenClaims verifyLogin(AppConfig app, InetAddress source, String token, String userId, String roomId) {
        guard.admit(source, app.appId());
        try {
            return verifyLogin(app, token, userId, roomId);
        } catch (ProtocolException e) {
            guard.failed(source, app.appId());
            throw e;
        }
    }

    /** Verifies the token and the login it is presented with; returns what it grants. */
    public TokenClaims verifyLogin(AppConfig app, String token, String userId, String roomId) {
        if (token == null || token.isEmpty()) {
            throw new ProtocolException(ErrorCode.TOKEN_INVALID, "token: empty (expected: a JWT or a token04)");
        }
        TokenClaims claims = Token04.looksLike(token)
                ? Token04.verify(app.secretBytes(), token, clock.instant().getEpochSecond(), app.legacyCbcTokens())
                : JwtTokens.verify(app.secretBytes(), token, clock.instant(), clockSkew);
        if (claims.format().equals(Token04.CBC_FORMAT)) {
            try {
                checkLogin(app, claims, userId, roomId);
            } catch (ProtocolException e) {
                throw Privileges.invalid(Token04.CBC_REFUSAL); // nothing about a CBC plaintext may be observable
            }
        } else {
            checkLogin(app, claims, userId, roomId);
        }
        return claims;
    }

    private static void checkLogin(AppConfig app, TokenClaims claims, String userId, String roomId) {
        if (claims.appId() != app.appId()) {
            throw Privileges.invalid("app_id " + claims.appId() + " does not match the login's appID " + app.appId());
        }
        if (!claims.userId().equals(userId)) {
            throw Privileges.invalid("user_id '" + claims.userId() + "' does not match the login's userID '" + userId + "'");
        }
        if (claims.roomId() != null && !claims.roomId().equals(roomId)) {
            throw Privileges.invalid("room_id '" + claims.roomId() + "' does not allow room '" + roomId + "'");
        }
        if (!claims.canLogin()) {
            throw Privileges.invalid("privilege 1 (loginRoom) not granted");
        }
    }

    /** Checks the publish privilege and stream_id_list of the token the session logged in with. */
    public void verifyPublish(TokenClaims claims, String streamId) {
        if (!claims.canPublish()) {
            throw new ProtocolException(ErrorCode.PUBLISH_FORBIDDEN, "publish forbidden: token privilege 2 (publish) not granted");
        }
        if (!claims.mayPublish(streamId)) {
            throw new ProtocolException(ErrorCode.PUBLISH_FORBIDDEN,
                    "publish forbidden: streamID '" + streamId + "' is not in the token's stream_id_list " + claims.streamIds());
        }
        if (claims.expireEpochSeconds() <= clock.instant().getEpochSecond()) {
            throw new ProtocolException(ErrorCode.TOKEN_EXPIRED, "token expired at " + claims.expireEpochSeconds()
                    + " (expected: renewToken with a fresh token, then publish)");
        }
    }
}
