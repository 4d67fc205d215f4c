package io.parley.server.fuzz;

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
        // None yet: 200,000 inputs per parser (seed 8, BENCHMARKS.md "Fuzzing") found no crasher. Add each one found
        // here as a byte array with the parser, the seed and what was wrong, and assert the typed error.
    }
}
