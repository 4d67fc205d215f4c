package io.parley.server.fuzz;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.protocol.ProtocolException;
import io.parley.server.auth.TokenVerifier;
import io.parley.server.config.AppConfig;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Inputs that once crashed a parser (found by {@link ParserFuzzTest}), replayed on every build. */
final class Crashers {
    private Crashers() {}

    /** A browser-shaped offer (extensions, rtcp-fb, ssrc lines) for the SDP fuzzer to mutate. */
    static String chromeOffer() {
        return String.join("\r\n",
                "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
                "a=extmap-allow-mixed", "a=msid-semantic: WMS stream",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
                "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=ice-options:trickle",
                "a=fingerprint:sha-256 " + String.join(":", java.util.Collections.nCopies(32, "AB")),
                "a=setup:actpass", "a=mid:0", "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", "a=sendonly",
                "a=msid:stream track", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc",
                "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:63 red/48000/2", "a=fmtp:63 111/111",
                "a=rtpmap:126 telephone-event/8000", "a=ssrc:1234 cname:abc", "a=ssrc:1234 msid:stream track", "");
    }

    static void replay() {
        // Each crasher found: the parser, the seed and input number, what was wrong, and the typed error now given.

        // tokens, seed 8, input 824,752 of the 10,000,000 run: a GCM token04 whose ciphertext (6 bytes) is shorter
        // than the GCM tag made the JDK throw ProviderException(ShortBufferException) out of Token04.verify.
        TokenVerifier verifier = new TokenVerifier(Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC));
        AppConfig app = new AppConfig(1_234_567, "0123456789abcdef0123456789abcdef");
        assertThatThrownBy(() -> verifier.verifyLogin(app, "04AAAAAGtJ4BAADBAAAAGtJ4BAADBAAAAGtJ4BAADB", "u1", "r1"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("shorter than the 16-byte tag");
    }
}
