package io.parley.protocol.media;

import static io.parley.protocol.media.ChromeOffers.crlf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SessionDescriptionTest {

    @Test
    void chromePublishOffer() {
        SessionDescription sdp = SessionDescription.parse(ChromeOffers.PUBLISH);
        assertThat(sdp.origin()).isEqualTo("- 4611731400430051336 2 IN IP4 127.0.0.1");
        assertThat(sdp.sessionName()).isEqualTo("-");
        assertThat(sdp.otherLines()).containsExactly("t=0 0");
        assertThat(sdp.bundleMids()).containsExactly("0");
        assertThat(sdp.attribute("extmap-allow-mixed")).isEmpty();
        assertThat(sdp.attribute("msid-semantic")).isEqualTo("WMS 6b5bd0e1-7f0e-4c2a-9a3f-1c9b7b0d2e11");
        assertThat(sdp.iceLite()).isFalse();
        assertThat(sdp.fingerprint()).isNull();
        assertThat(sdp.media()).hasSize(1);

        MediaSection audio = sdp.media().get(0);
        assertThat(audio.kind()).isEqualTo("audio");
        assertThat(audio.port()).isEqualTo(9);
        assertThat(audio.protocol()).isEqualTo("UDP/TLS/RTP/SAVPF");
        assertThat(audio.formats()).containsExactly("111", "63", "9", "0", "8", "13", "110", "126");
        assertThat(audio.connection()).isEqualTo("IN IP4 0.0.0.0");
        assertThat(audio.attribute("rtcp")).isEqualTo("9 IN IP4 0.0.0.0"); // kept though not modelled
        assertThat(audio.mid()).isEqualTo("0");
        assertThat(audio.iceUfrag()).isEqualTo("EsAw");
        assertThat(audio.icePwd()).isEqualTo("bP+XJMM09aR8AiX1jdukzR6Y");
        assertThat(audio.iceOptions()).containsExactly("trickle");
        assertThat(audio.fingerprint()).isEqualTo(new Sdp.Fingerprint("sha-256",
                "DA:7B:57:DC:28:CE:04:4F:31:79:85:C4:31:67:EB:27:58:29:ED:77:2A:0D:24:AE:ED:AD:30:BC:BD:F1:9C:02"));
        assertThat(audio.setup()).isEqualTo(Sdp.Setup.ACTPASS);
        assertThat(audio.direction()).isEqualTo(Sdp.Direction.SENDONLY);
        assertThat(audio.rtcpMux()).isTrue();
        assertThat(audio.rtcpRsize()).isTrue();
        assertThat(audio.rtpmaps()).hasSize(8);
        assertThat(audio.rtpmaps().get(0)).isEqualTo(new Sdp.Rtpmap(111, "opus", 48000, 2));
        assertThat(audio.rtpmaps().get(2)).isEqualTo(new Sdp.Rtpmap(9, "G722", 8000, 1, true));
        assertThat(audio.fmtp(111)).isEqualTo("minptime=10;useinbandfec=1");
        assertThat(audio.fmtp(63)).isEqualTo("111/111");
        assertThat(audio.fmtp(0)).isNull();
        assertThat(audio.rtcpFeedback(111)).containsExactly("transport-cc");
        assertThat(audio.extmaps()).containsExactly(
                new Sdp.Extmap(1, null, Sdp.AUDIO_LEVEL_URI, null),
                new Sdp.Extmap(2, null, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", null),
                new Sdp.Extmap(3, null, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", null),
                new Sdp.Extmap(4, null, Sdp.MID_URI, null));
        assertThat(audio.ssrcs()).containsExactly(
                new Sdp.SsrcAttribute(3735928559L, "cname", "Wq0vYbXl1FyQ4C3n"),
                new Sdp.SsrcAttribute(3735928559L, "msid",
                        "6b5bd0e1-7f0e-4c2a-9a3f-1c9b7b0d2e11 0c5c0f1e-3d5b-4b8a-8e2f-6f1d2c3b4a59"));
        assertThat(audio.firstSsrc()).hasValue(3735928559L);
        assertThat(audio.cname()).isEqualTo("Wq0vYbXl1FyQ4C3n");
        assertThat(audio.msid()).isEqualTo("6b5bd0e1-7f0e-4c2a-9a3f-1c9b7b0d2e11 0c5c0f1e-3d5b-4b8a-8e2f-6f1d2c3b4a59");
        assertThat(audio.candidates()).isEmpty();
        assertThat(audio.endOfCandidates()).isFalse();
    }

    @Test
    void chromePlayOffer() {
        MediaSection audio = SessionDescription.parse(ChromeOffers.PLAY).media().get(0);
        assertThat(audio.direction()).isEqualTo(Sdp.Direction.RECVONLY);
        assertThat(audio.ssrcs()).isEmpty();
        assertThat(audio.firstSsrc()).isEmpty();
        assertThat(audio.cname()).isNull();
        assertThat(audio.msid()).isNull();
    }

    @Test
    void toleratesLfLineEndingsAndUnknownLines() {
        SessionDescription sdp = SessionDescription.parse(String.join("\n",
                "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "b=AS:64", "t=0 0", "a=x-google-flag:conference",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111", "i=microphone", "b=AS:32", "c=IN IP6 ::",
                "a=extmap:5/recvonly urn:example:thing some attrs", "a=sendrecv", "a=inactive",
                "a=candidate:1 1 udp 2130706431 192.0.2.1 40000 typ host generation 0", "a=end-of-candidates",
                "a=rtcp-fb:* nack", "a=rtcp-fb:111 nack pli", "a=rtpmap:111 opus/48000/2"));
        assertThat(sdp.otherLines()).containsExactly("b=AS:64", "t=0 0");
        assertThat(sdp.attribute("x-google-flag")).isEqualTo("conference");
        MediaSection audio = sdp.media().get(0);
        assertThat(audio.otherLines()).containsExactly("i=microphone", "b=AS:32");
        assertThat(audio.connection()).isEqualTo("IN IP6 ::");
        assertThat(audio.extmaps()).containsExactly(
                new Sdp.Extmap(5, Sdp.Direction.RECVONLY, "urn:example:thing", "some attrs"));
        assertThat(audio.extmaps().get(0).toString()).isEqualTo("a=extmap:5/recvonly urn:example:thing some attrs");
        assertThat(audio.direction()).isEqualTo(Sdp.Direction.INACTIVE); // the last one wins
        assertThat(audio.candidates()).containsExactly(
                new Sdp.Candidate("1", 1, "udp", 2130706431L, "192.0.2.1", 40000, "host"));
        assertThat(audio.endOfCandidates()).isTrue();
        assertThat(audio.rtcpFeedback(111)).containsExactly("nack", "nack pli");
        assertThat(audio.direction()).isEqualTo(Sdp.Direction.INACTIVE);
        assertThat(audio.mid()).isNull();
    }

    @Test
    void noDirectionMeansSendrecv() {
        MediaSection audio = SessionDescription.parse(crlf("v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111")).media().get(0);
        assertThat(audio.direction()).isEqualTo(Sdp.Direction.SENDRECV);
        assertThat(audio.setup()).isNull();
        assertThat(audio.iceOptions()).isEmpty();
    }

    @Test
    void malformedSdpSaysWhatWasExpected() {
        String head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
        String m = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
        assertRejected("", "expected: v=0 first");
        assertRejected("o=- 1 1 IN IP4 0.0.0.0\r\n", "line 1: \"o=- 1 1 IN IP4 0.0.0.0\" (expected: v=0)");
        assertRejected("v=0\r\ns=-\r\n", "no o= line");
        assertRejected(head + "hello\r\n", "line 5: \"hello\" (expected: <letter>=<value>)");
        assertRejected(head + "m=audio 9\r\n", "expected: m=<media> <port> <proto> <fmt> ...");
        assertRejected(head + "m=audio nine UDP/TLS/RTP/SAVPF 111\r\n", "port on SDP line 5: \"nine\"");
        assertRejected(head + "m=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n", "port 70000 (expected: 0..65535)");
        assertRejected(head + m + "a=rtpmap:111 opus\r\n", "a=rtpmap:111 opus (expected: <payload type>");
        assertRejected(head + m + "a=rtpmap:abc opus/48000\r\n", "payload type in a=rtpmap:abc");
        assertRejected(head + m + "a=rtpmap:111 opus/fast/2\r\n", "clock rate in a=rtpmap");
        assertRejected(head + m + "a=fmtp:x minptime=10\r\n", "payload type in a=fmtp:x");
        assertRejected(head + m + "a=extmap:0 urn:x\r\n", "id 0 (expected: 1..4351)");
        assertRejected(head + m + "a=extmap:1/sideways urn:x\r\n", "expected: direction");
        assertRejected(head + m + "a=extmap:1\r\n", "expected: <id>[/<direction>] <uri>");
        assertRejected(head + m + "a=fingerprint:sha-256\r\n", "expected: <hash function> <value>");
        assertRejected(head + m + "a=fingerprint:sha-256 not-hex\r\n", "hex bytes separated by colons");
        assertRejected(head + "a=fingerprint:sha-256 ZZ:00\r\n", "hex bytes"); // session level too
        assertRejected(head + m + "a=setup:sometimes\r\n", "expected: actpass, active, passive or holdconn");
        assertRejected(head + m + "a=ssrc:4294967296 cname:x\r\n", "expected: <0..4294967295>");
        assertRejected(head + m + "a=ssrc:12\r\n", "a=ssrc:12");
        assertRejected(head + m + "a=candidate:1 1 udp 1 1.2.3.4 5\r\n", "a=candidate:");
        assertRejected(head + m + "a=mid:0\rx\r\n", "control character 0xd");
        assertRejected("v=0\r\n" + "a=x:".repeat(20_000), "(expected: <= 65536)");
    }

    /** Whatever a client sends, parsing and negotiating fail only with IllegalArgumentException. */
    @Test
    void mangledOffersFailOnlyWithIllegalArgument() {
        java.util.Random random = new java.util.Random(3);
        String alphabet = " :/=\r\n0123456789abcmsv-";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder sdp = new StringBuilder(i % 2 == 0 ? ChromeOffers.PUBLISH : ChromeOffers.PLAY);
            for (int f = 0; f < 4; f++) {
                sdp.setCharAt(random.nextInt(sdp.length()), alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                SessionDescription parsed = SessionDescription.parse(sdp.toString());
                SdpNegotiator.negotiate(parsed, SdpNegotiator.Purpose.PUBLISH);
                SdpNegotiator.negotiate(parsed, SdpNegotiator.Purpose.PLAY);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    private static void assertRejected(String sdp, String message) {
        assertThatThrownBy(() -> SessionDescription.parse(sdp))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void recordsAreImmutable() {
        SessionDescription sdp = SessionDescription.parse(ChromeOffers.PUBLISH);
        assertThatThrownBy(() -> sdp.media().add(null)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> sdp.media().get(0).attributes().clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(List.copyOf(sdp.attributes())).isEqualTo(sdp.attributes());
    }
}
