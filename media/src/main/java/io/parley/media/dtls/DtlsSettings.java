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
 */
public record DtlsSettings(Duration handshakeTimeout, List<SrtpProfile> srtpProfiles) {
    /** GCM first: Chrome offers it and it costs one pass per packet instead of two. */
    public static final DtlsSettings DEFAULTS = new DtlsSettings(Duration.ofSeconds(15),
            List.of(SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80));

    public DtlsSettings {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
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

    public DtlsSettings withHandshakeTimeout(Duration timeout) {
        return new DtlsSettings(timeout, srtpProfiles);
    }

    public DtlsSettings withSrtpProfiles(SrtpProfile... profiles) {
        return new DtlsSettings(handshakeTimeout, List.of(profiles));
    }
}
