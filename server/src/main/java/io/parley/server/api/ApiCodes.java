package io.parley.server.api;

/** The server API's result codes: ZEGO's gateway codes and room-signalling codes (reference §5.1). */
final class ApiCodes {
    private ApiCodes() {}

    static final int OK = 0;
    // gateway
    static final int APP_ID_FORMAT = 100000001;
    static final int TIMESTAMP_EMPTY = 100000002;
    static final int TIMESTAMP_FORMAT = 100000003;
    static final int SIGNATURE_EXPIRED = 100000004;
    static final int SIGNATURE_ERROR = 100000005;
    static final int ACTION_EMPTY = 100000006;
    static final int UNSUPPORTED_ACTION = 100000007;
    static final int NONCE_EMPTY = 100000008;
    static final int SIGNATURE_EMPTY = 100000009;
    static final int NO_SERVER_SECRET = 100000010;
    static final int BODY_UNREADABLE = 100000012;
    static final int SIGNATURE_VERSION_EMPTY = 100000013;
    static final int UNSUPPORTED_SIGNATURE_VERSION = 100000014;
    static final int GATEWAY_INTERNAL = 100000015;
    // room signalling
    static final int FAILED = 1;
    static final int PARAMETER_ERROR = 2;
    static final int PARAMETER_TOO_LONG = 3;
    static final int ROOM_NOT_FOUND = 104;
    static final int USER_NOT_FOUND = 105;
    static final int STREAM_NOT_FOUND = 138;
    static final int APP_QPS_LIMITED = 206;
    static final int ROOM_QPS_LIMITED = 207;
    static final int STREAM_CONFLICT = 1012;
    static final int USER_LIST_TOO_LONG = 50011;
}
