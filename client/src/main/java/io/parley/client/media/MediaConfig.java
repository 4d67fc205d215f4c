package io.parley.client.media;

import io.parley.media.dtls.DtlsSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Knobs of the Java client's media transports; {@link #DEFAULTS} suits a client on the same network as
 * the server. Tests shorten the timeouts.
 *
 * @param bindAddress     where the transport's UDP socket binds (port 0: any free port)
 * @param checkInterval   pace of ICE connectivity checks until the first success (RFC 8445 Ta)
 * @param iceTimeout      from {@code connect} to the first Binding success; then the connect fails
 * @param consentInterval mean pace of consent checks once connected (RFC 7675: randomized ±20 %)
 * @param consentTimeout  no Binding success for this long after connecting closes the transport
 * @param dtls            handshake timeout and SRTP profiles offered (we are the DTLS client)
 * @param rtcpInterval    pace of sender reports (publisher) and receiver reports (player)
 * @param nackCacheSize   sent packets a publisher keeps to answer NACKs (rounded up to a power of two)
 */
public record MediaConfig(InetSocketAddress bindAddress, Duration checkInterval, Duration iceTimeout,
        Duration consentInterval, Duration consentTimeout, DtlsSettings dtls, Duration rtcpInterval,
        int nackCacheSize) {

    public static final MediaConfig DEFAULTS = new MediaConfig(new InetSocketAddress("0.0.0.0", 0),
            Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofMillis(2500), Duration.ofSeconds(30),
            DtlsSettings.DEFAULTS.withHandshakeTimeout(Duration.ofSeconds(10)), Duration.ofSeconds(1), 512);

    public MediaConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(dtls, "dtls");
        positive("checkInterval", checkInterval);
        positive("iceTimeout", iceTimeout);
        positive("consentInterval", consentInterval);
        positive("consentTimeout", consentTimeout);
        positive("rtcpInterval", rtcpInterval);
        if (nackCacheSize < 1 || nackCacheSize > 32768) {
            throw new IllegalArgumentException("nackCacheSize: " + nackCacheSize + " (expected: 1..32768)");
        }
    }

    public MediaConfig withBindAddress(InetSocketAddress address) {
        return new MediaConfig(address, checkInterval, iceTimeout, consentInterval, consentTimeout, dtls,
                rtcpInterval, nackCacheSize);
    }

    /** Bounds both ICE (to the first success) and the DTLS handshake. */
    public MediaConfig withTimeouts(Duration ice, Duration dtlsHandshake) {
        return new MediaConfig(bindAddress, checkInterval, ice, consentInterval, consentTimeout,
                dtls.withHandshakeTimeout(dtlsHandshake), rtcpInterval, nackCacheSize);
    }

    public MediaConfig withConsent(Duration interval, Duration timeout) {
        return new MediaConfig(bindAddress, checkInterval, iceTimeout, interval, timeout, dtls, rtcpInterval,
                nackCacheSize);
    }

    /** DTLS handshake settings, among them the SRTP profiles offered (in preference order). */
    public MediaConfig withDtls(DtlsSettings settings) {
        return new MediaConfig(bindAddress, checkInterval, iceTimeout, consentInterval, consentTimeout, settings,
                rtcpInterval, nackCacheSize);
    }

    public MediaConfig withRtcpInterval(Duration interval) {
        return new MediaConfig(bindAddress, checkInterval, iceTimeout, consentInterval, consentTimeout, dtls,
                interval, nackCacheSize);
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: a positive duration)");
        }
    }
}
