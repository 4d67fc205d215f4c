package io.parley.media.dtls;

import io.parley.media.srtp.SrtpProfile;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Per-deployment DTLS knobs, shared by every endpoint.
 *
 * @param handshakeTimeout from {@link DtlsEndpoint#start()} to the last handshake message; the
 *     handshake holds one executor thread that long at most
 * @param srtpProfiles offered (client) or accepted (server) SRTP profiles, most preferred first
 * @param stallTimeout a handshake that hears nothing from the peer for this long gives up before
 *     {@code handshakeTimeout}: a peer that starts and goes quiet frees its thread within seconds
 */
public record DtlsSettings(Duration handshakeTimeout, List<SrtpProfile> srtpProfiles, Duration stallTimeout) {
    /** GCM first: Chrome offers it and it costs one pass per packet instead of two. */
    public static final DtlsSettings DEFAULTS = new DtlsSettings(Duration.ofSeconds(15),
            List.of(SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80), Duration.ofSeconds(15));

    /** No stall timeout beyond the handshake timeout. */
    public DtlsSettings(Duration handshakeTimeout, List<SrtpProfile> srtpProfiles) {
        this(handshakeTimeout, srtpProfiles, handshakeTimeout);
    }

    public DtlsSettings {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        if (stallTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("stallTimeout: " + stallTimeout + " (expected: >= 1 ms)");
        }
        if (handshakeTimeout.toMillis() < 1 || handshakeTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "handshakeTimeout: " + handshakeTimeout + " (expected: 1 ms to " + Integer.MAX_VALUE + " ms)");
        }
        srtpProfiles = List.copyOf(srtpProfiles);
        if (srtpProfiles.isEmpty() || new HashSet<>(srtpProfiles).size() != srtpProfiles.size()) {
            throw new IllegalArgumentException(
                    "srtpProfiles: " + srtpProfiles + " (expected: at least one, no duplicates)");
        }
    }

    /** Sets the handshake timeout, and the stall timeout to it when it was not shorter already. */
    public DtlsSettings withHandshakeTimeout(Duration timeout) {
        return new DtlsSettings(timeout, srtpProfiles, stallTimeout.compareTo(timeout) < 0 ? stallTimeout : timeout);
    }

    public DtlsSettings withStallTimeout(Duration stall) {
        return new DtlsSettings(handshakeTimeout, srtpProfiles, stall);
    }

    public DtlsSettings withSrtpProfiles(SrtpProfile... profiles) {
        return new DtlsSettings(handshakeTimeout, List.of(profiles), stallTimeout);
    }
}
