package io.parley.protocol;

/** An App's identifier: an unsigned 32-bit number, as ZEGO AppIDs are. */
public record AppId(long value) {
    public AppId {
        if (value <= 0 || value > 0xFFFF_FFFFL) {
            throw new ProtocolException(ErrorCode.APP_ID_INVALID, "appID: " + value + " (expected: 1..4294967295)");
        }
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
