package io.parley.protocol.signal;

/** {@code stream_delete_reason.code} values (reference §2.2). */
public enum StreamDeleteCode {
    STOP_PUBLISHING(1, "user_stop_publishing_stream_normal"),
    HEARTBEAT_TIMEOUT(2, "user_heart_beat_timeout"),
    REPEAT_LOGIN(3, "user_repeat_login"),
    KICKED_OUT(4, "user_kicked_out"),
    USER_OFFLINE(5, "user_offline"),
    REMOVED_BY_SERVER(6, "remove_by_server");

    private final int code;
    private final String description;

    StreamDeleteCode(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }
}
