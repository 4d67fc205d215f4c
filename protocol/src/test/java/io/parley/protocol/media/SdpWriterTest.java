package io.parley.protocol.media;

import static io.parley.protocol.media.ChromeOffers.crlf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.protocol.media.SdpNegotiator.Accepted;
import io.parley.protocol.media.SdpNegotiator.Purpose;
import io.parley.protocol.media.SdpWriter.LocalIce;
import io.parley.protocol.media.SdpWriter.LocalSource;
import org.junit.jupiter.api.Test;

class SdpWriterTest {

    static final Sdp.Fingerprint SERVER_FINGERPRINT = new Sdp.Fingerprint("sha-256",
            "19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2");
    static final LocalIce SERVER_ICE = new LocalIce("pQ7x", "3vRkYt2mW9sLcN8bH4jFq1", SERVER_FINGERPRINT);
    static final LocalSource SERVER_SOURCE = new LocalSource(11223344L, "parley", "alice-mic", "alice-mic-audio");

    @Test
    void answerToChromePublisherRoundTrip() {
        SessionDescription offer = SessionDescription.parse(ChromeOffers.PUBLISH);
        Accepted accepted = (Accepted) SdpNegotiator.negotiate(offer, Purpose.PUBLISH);
        String answer = SdpWriter.answer(offer, accepted, SERVER_ICE, "203.0.113.7", 40000, null, 42);
        assertThat(answer).isEqualTo(crlf(
                "v=0",
                "o=- 42 2 IN IP4 127.0.0.1",
                "s=-",
                "t=0 0",
                "a=ice-lite",
                "a=group:BUNDLE 0",
                "m=audio 40000 UDP/TLS/RTP/SAVPF 111 63",
                "c=IN IP4 203.0.113.7",
                "a=mid:0",
                "a=ice-ufrag:pQ7x",
                "a=ice-pwd:3vRkYt2mW9sLcN8bH4jFq1",
                "a=fingerprint:sha-256 " + SERVER_FINGERPRINT.value(),
                "a=setup:passive",
                "a=recvonly",
                "a=rtcp-mux",
                "a=rtcp-rsize",
                "a=rtpmap:111 opus/48000/2",
                "a=fmtp:111 minptime=10;useinbandfec=1",
                "a=rtpmap:63 red/48000/2",
                "a=fmtp:63 111/111",
                "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
                "a=candidate:1 1 udp 2130706431 203.0.113.7 40000 typ host",
                "a=end-of-candidates"));

        // Parse the answer back as a client would.
        SessionDescription parsed = SessionDescription.parse(answer);
        assertThat(parsed.iceLite()).isTrue();
        assertThat(parsed.bundleMids()).containsExactly("0");
        MediaSection audio = parsed.media().get(0);
        assertThat(audio.port()).isEqualTo(40000);
        assertThat(audio.formats()).containsExactly("111", "63");
        assertThat(audio.mid()).isEqualTo("0");
        assertThat(audio.iceUfrag()).isEqualTo("pQ7x");
        assertThat(audio.icePwd()).isEqualTo("3vRkYt2mW9sLcN8bH4jFq1");
        assertThat(audio.fingerprint()).isEqualTo(SERVER_FINGERPRINT);
        assertThat(audio.setup()).isEqualTo(Sdp.Setup.PASSIVE);
        assertThat(audio.direction()).isEqualTo(Sdp.Direction.RECVONLY);
        assertThat(audio.rtcpMux()).isTrue();
        assertThat(audio.rtpmaps()).containsExactly(new Sdp.Rtpmap(111, "opus", 48000, 2),
                new Sdp.Rtpmap(63, "red", 48000, 2));
        assertThat(audio.extmaps()).extracting(Sdp.Extmap::id).containsExactly(1, 4);
        assertThat(audio.ssrcs()).isEmpty();
        assertThat(audio.candidates()).containsExactly(
                new Sdp.Candidate("1", 1, "udp", 2130706431L, "203.0.113.7", 40000, "host"));
        assertThat(audio.endOfCandidates()).isTrue();
    }

    @Test
    void answerToChromePlayerCarriesTheServersSource() {
        SessionDescription offer = SessionDescription.parse(ChromeOffers.PLAY);
        Accepted accepted = (Accepted) SdpNegotiator.negotiate(offer, Purpose.PLAY);
        String answer = SdpWriter.answer(offer, accepted, SERVER_ICE, "2001:db8::7", 40000, SERVER_SOURCE, 43);
        MediaSection audio = SessionDescription.parse(answer).media().get(0);
        assertThat(audio.connection()).isEqualTo("IN IP6 2001:db8::7");
        assertThat(audio.direction()).isEqualTo(Sdp.Direction.SENDONLY);
        assertThat(audio.msid()).isEqualTo("alice-mic alice-mic-audio");
        assertThat(audio.firstSsrc()).hasValue(11223344L);
        assertThat(audio.cname()).isEqualTo("parley");
        assertThat(audio.ssrcs()).contains(new Sdp.SsrcAttribute(11223344L, "msid", "alice-mic alice-mic-audio"));
        assertThat(audio.candidates().get(0).address()).isEqualTo("2001:db8::7");
        assertThat(answer).contains("a=msid:alice-mic alice-mic-audio\r\n"
                + "a=ssrc:11223344 cname:parley\r\n"
                + "a=ssrc:11223344 msid:alice-mic alice-mic-audio\r\n");
    }

    @Test
    void otherSectionsAreRejectedWithPortZeroAndLeaveTheBundle() {
        String offer = ChromeOffers.PUBLISH.replace("a=group:BUNDLE 0", "a=group:BUNDLE 0 1")
                + crlf("m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0", "a=mid:1", "a=sendonly",
                        "a=rtpmap:96 VP8/90000");
        SessionDescription parsed = SessionDescription.parse(offer);
        Accepted accepted = (Accepted) SdpNegotiator.negotiate(parsed, Purpose.PUBLISH);
        String answer = SdpWriter.answer(parsed, accepted, SERVER_ICE, "203.0.113.7", 40000, null, 1);
        assertThat(answer).contains("a=group:BUNDLE 0\r\n")
                .endsWith(crlf("m=video 0 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0", "a=mid:1", "a=inactive"));
        SessionDescription back = SessionDescription.parse(answer);
        assertThat(back.media()).extracting(MediaSection::port).containsExactly(40000, 0);
    }

    @Test
    void publishOfferFromTheJavaClient() {
        LocalIce clientIce = new LocalIce("c1Ab", "Zx9/Yw8+Vu7Ts6Rq5Po4Nm", SERVER_FINGERPRINT);
        LocalSource mic = new LocalSource(3735928559L, "bob-cname", "bob-mic", "bob-mic-audio");
        String offer = SdpWriter.offer(Sdp.Direction.SENDONLY, clientIce, mic, 7);
        assertThat(offer).isEqualTo(crlf(
                "v=0",
                "o=- 7 2 IN IP4 127.0.0.1",
                "s=-",
                "t=0 0",
                "a=group:BUNDLE 0",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111",
                "c=IN IP4 0.0.0.0",
                "a=rtcp:9 IN IP4 0.0.0.0",
                "a=ice-ufrag:c1Ab",
                "a=ice-pwd:Zx9/Yw8+Vu7Ts6Rq5Po4Nm",
                "a=fingerprint:sha-256 " + SERVER_FINGERPRINT.value(),
                "a=setup:actpass",
                "a=mid:0",
                "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                "a=sendonly",
                "a=rtcp-mux",
                "a=rtcp-rsize",
                "a=rtpmap:111 opus/48000/2",
                "a=fmtp:111 minptime=10;useinbandfec=1",
                "a=msid:bob-mic bob-mic-audio",
                "a=ssrc:3735928559 cname:bob-cname",
                "a=ssrc:3735928559 msid:bob-mic bob-mic-audio"));

        // The server accepts its own client's offer.
        Accepted accepted = SdpNegotiatorTest.accept(offer, Purpose.PUBLISH);
        assertThat(accepted.payloadType()).isEqualTo(111);
        assertThat(accepted.extensions()).containsEntry(Sdp.AUDIO_LEVEL_URI, 1);
        assertThat(accepted.remoteSsrc()).hasValue(3735928559L);
        assertThat(accepted.remoteCname()).isEqualTo("bob-cname");
        assertThat(accepted.iceUfrag()).isEqualTo("c1Ab");
    }

    @Test
    void playOfferFromTheJavaClient() {
        LocalIce clientIce = new LocalIce("c1Ab", "Zx9/Yw8+Vu7Ts6Rq5Po4Nm", SERVER_FINGERPRINT);
        String offer = SdpWriter.offer(Sdp.Direction.RECVONLY, clientIce,
                new LocalSource(5, "bob-cname", "-", "-"), 8);
        assertThat(offer).contains("a=recvonly\r\n").contains("a=ssrc:5 cname:bob-cname\r\n").doesNotContain("msid");
        Accepted accepted = SdpNegotiatorTest.accept(offer, Purpose.PLAY);
        assertThat(accepted.answerDirection()).isEqualTo(Sdp.Direction.SENDONLY);
        assertThat(SdpWriter.offer(Sdp.Direction.RECVONLY, clientIce, null, 8)).doesNotContain("a=ssrc");
    }

    @Test
    void badArgumentsSayWhatWasExpected() {
        SessionDescription offer = SessionDescription.parse(ChromeOffers.PLAY);
        Accepted accepted = (Accepted) SdpNegotiator.negotiate(offer, Purpose.PLAY);
        assertThatThrownBy(() -> SdpWriter.answer(offer, accepted, SERVER_ICE, "203.0.113.7", 40000, null, 1))
                .hasMessageContaining("server's SSRC for a sendonly answer");
        assertThatThrownBy(() -> SdpWriter.answer(offer, accepted, SERVER_ICE, "203.0.113.7\r\na=x", 1, SERVER_SOURCE, 1))
                .hasMessageContaining("hostAddress");
        assertThatThrownBy(() -> SdpWriter.answer(offer, accepted, SERVER_ICE, "203.0.113.7", 0, SERVER_SOURCE, 1))
                .hasMessageContaining("hostPort: 0 (expected: 1..65535)");
        assertThatThrownBy(() -> new LocalIce("abc", "3vRkYt2mW9sLcN8bH4jFq1", SERVER_FINGERPRINT))
                .hasMessageContaining("expected: 4..256");
        assertThatThrownBy(() -> new LocalIce("abcd", "short", SERVER_FINGERPRINT))
                .hasMessageContaining("ice pwd: 5 chars (expected: 22..256");
        assertThatThrownBy(() -> new LocalSource(1, "has space", "s", "t")).hasMessageContaining("cname");
        assertThatThrownBy(() -> new LocalSource(-1, "c", "s", "t")).hasMessageContaining("ssrc");
        assertThatThrownBy(() -> SdpWriter.offer(Sdp.Direction.SENDRECV, SERVER_ICE, SERVER_SOURCE, 1))
                .hasMessageContaining("expected: SENDONLY or RECVONLY");
        assertThatThrownBy(() -> SdpWriter.offer(Sdp.Direction.SENDONLY, SERVER_ICE, null, 1))
                .hasMessageContaining("client's SSRC");
    }
}
