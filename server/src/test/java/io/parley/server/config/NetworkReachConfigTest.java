package io.parley.server.config;

import static io.parley.server.config.ConfigLoaderTest.SECRET;
import static io.parley.server.config.ConfigLoaderTest.parse;
import static io.parley.server.config.ConfigLoaderTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys of media reach: announced addresses, dual-stack binds, ICE-TCP, and TURN servers. */
class NetworkReachConfigTest {
    private static final String APP = "apps:\n  - {appId: 1, secret: " + SECRET + "}\n";

    @Test
    void defaultsAnnounceOneAddressWithIceTcpOnTheMediaPortsNumber() {
        ParleyConfig.Media m = ParleyConfig.DEFAULTS.media();
        assertThat(m.tcp()).isTrue();
        assertThat(m.tcpPort()).isZero();
        assertThat(m.bindAddresses()).containsExactly("0.0.0.0");
        assertThat(m.candidateAddresses()).hasSize(1);
        assertThat(ParleyConfig.DEFAULTS.turn().enabled()).isFalse();
    }

    @Test
    void listsComeAsYamlListsOrCommaSeparatedStrings() {
        ParleyConfig c = parse(APP + """
                media:
                  announcedAddress: 203.0.113.7
                  announcedAddresses: ["2001:db8::7", 198.51.100.7]
                  bindAddress: "0.0.0.0, ::"
                  tcpPort: 443
                turn:
                  urls: [ "turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349" ]
                  secret: coturn-static-auth-secret
                  credentialTtl: 1h
                """, Map.of());
        ConfigLoader.validate(c);
        assertThat(c.media().candidateAddresses()).containsExactly("203.0.113.7", "2001:db8::7", "198.51.100.7");
        assertThat(c.media().bindAddresses()).containsExactly("0.0.0.0", "::");
        assertThat(c.media().tcpPort()).isEqualTo(443);
        assertThat(c.turn().urlList()).containsExactly("turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349");
        assertThat(c.turn().credentialTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(ConfigLoader.toYaml(c)).contains("secret: <redacted>").doesNotContain("coturn-static-auth-secret");
        assertThat(ConfigLoader.toOneLine(c)).doesNotContain("coturn-static-auth-secret");
    }

    @Test
    void theEnvironmentSetsThemToo() {
        ParleyConfig c = parse(APP, Map.of("PARLEY_MEDIA_ANNOUNCED_ADDRESSES", "::1", "PARLEY_MEDIA_BIND_ADDRESS", "127.0.0.1,::1",
                "PARLEY_MEDIA_TCP", "false", "PARLEY_TURN_URLS", "turn:127.0.0.1:3478", "PARLEY_TURN_SECRET", "s",
                "PARLEY_TURN_CREDENTIAL_TTL", "10m"));
        ConfigLoader.validate(c);
        assertThat(c.media().announcedAddresses()).isEqualTo("::1");
        assertThat(c.media().tcp()).isFalse();
        assertThat(c.turn().urlList()).containsExactly("turn:127.0.0.1:3478");
        assertThat(ConfigLoader.envKeys()).containsEntry("PARLEY_MEDIA_TCP_PORT", "media.tcpPort")
                .containsEntry("PARLEY_MEDIA_TCP_MAX_CONNECTIONS_PER_ADDRESS", "media.tcpMaxConnectionsPerAddress")
                .containsEntry("PARLEY_TURN_SECRET", "turn.secret");
    }

    @Test
    void badValuesAreNamed() {
        List<String> p = problems(APP + """
                media:
                  announcedAddresses: "media.example.com, 2001:db8::1"
                  tcpPort: 70000
                  tcpMaxConnectionsPerAddress: 0
                turn:
                  urls: "http://turn.example.com"
                  credentialTtl: 0s
                """, Map.of()).problems();
        assertThat(p).contains(
                "media.announcedAddresses: 'media.example.com' (expected: IP addresses clients can reach, comma-separated)",
                "media.announcedAddresses: '2001:db8::1' is IPv6 but media.bindAddress '0.0.0.0' has no address of that"
                        + " family (expected: e.g. 0.0.0.0,::)",
                "media.tcpPort: 70000 (expected: 1..65535, or 0 for media.port's number)",
                "media.tcpMaxConnectionsPerAddress: 0 (expected: >= 1)",
                "turn.urls: 'http://turn.example.com' (expected: turn:host:port, turns:host:port or stun:host:port, with an"
                        + " optional ?transport=udp|tcp)",
                "turn.secret: empty (expected: coturn's static-auth-secret, as turn.urls is set)",
                "turn.credentialTtl: PT0S (expected: > 0, e.g. 30s)");
        // "::" is a dual-stack socket: IPv4 addresses may be announced with it alone.
        ConfigLoader.validate(parse(APP + "media: {bindAddress: \"::\", announcedAddresses: \"198.51.100.7, 2001:db8::7\"}\n",
                Map.of()));
        assertThat(problems(APP + "media: {bindAddress: \"127.0.0.1,127.0.0.2\"}\n", Map.of()).problems())
                .contains("media.bindAddress: '127.0.0.1,127.0.0.2' (expected: at most one IPv4 and one IPv6 address)");
        assertThat(problems(APP + "turn: {urls: [{a: 1}]}\n", Map.of()).problems().toString())
                .contains("turn.urls: a list holding a mapping (expected: a list of strings)");
    }
}
