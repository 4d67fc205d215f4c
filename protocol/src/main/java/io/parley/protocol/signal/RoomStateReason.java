package io.parley.protocol.signal;

/** {@code roomStateChanged.reason} values (reference §2.1); the server sends LOGINED, LOGIN_FAILED and KICKOUT. */
public enum RoomStateReason {
    LOGINING, LOGINED, LOGIN_FAILED, RECONNECTING, RECONNECTED, RECONNECT_FAILED, KICKOUT, LOGOUT, LOGOUT_FAILED
}
