package io.parley.server.sfu;

/**
 * One quality period of a Producer (what the server received) or a Consumer (what it sent and the player
 * reported back). {@code rttMillis} is -1 when unknown (always for a Producer).
 */
public record MediaQuality(double kbps, long packets, long packetsLost, double lossRate, double jitterMillis,
                           double rttMillis) {}
