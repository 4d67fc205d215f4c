package io.parley.server.gateway;

/** Names of the gateway's pipeline handlers. */
final class PipelineNames {
    private PipelineNames() {}

    static final String OUTBOUND_GUARD = "outbound-guard";
    static final String HTTP_CODEC = "http-codec";
    static final String HTTP_DEADLINE = "http-deadline";
    static final String HTTP_LIMITS = "http-limits";
    static final String WS_GUARD = "ws-guard";
    static final String HTTP_AGGREGATOR = "http-aggregator";
    static final String RELAY_ADMISSION = "relay-admission";
    static final String WS_PROTOCOL = "ws-protocol";
    static final String WS_AGGREGATOR = "ws-aggregator";
    static final String WS_SIGNAL = "ws-signal";
    static final String WS_RELAY = "ws-relay";
    static final String HTTP_LIVE = "http-live";
    static final String HTTP_ROUTES = "http-routes";
}
