package io.parley.protocol.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.media.SdpNegotiator.Accepted;
import io.parley.protocol.media.SdpNegotiator.Failure;
import io.parley.protocol.media.SdpNegotiator.Purpose;
import io.parley.protocol.media.SdpNegotiator.Rejected;
import io.parley.protocol.media.SdpNegotiator.Result;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SdpNegotiatorTest {

    @Test
    void chromePublisher() {
        Accepted a = accept(ChromeOffers.PUBLISH, Purpose.PUBLISH);
        assertThat(a.mediaIndex()).isZero();
        assertThat(a.mid()).isEqualTo("0");
        assertThat(a.payloadType()).isEqualTo(111);
        assertThat(a.opusFmtp()).isEqualTo("minptime=10;useinbandfec=1");
        assertThat(a.extensions()).containsExactly(Map.entry(Sdp.AUDIO_LEVEL_URI, 1), Map.entry(Sdp.MID_URI, 4));
        assertThat(a.iceUfrag()).isEqualTo("EsAw");
        assertThat(a.icePwd()).isEqualTo("bP+XJMM09aR8AiX1jdukzR6Y");
        assertThat(a.fingerprint().algorithm()).isEqualTo("sha-256");
        assertThat(a.fingerprint().value()).startsWith("DA:7B:57");
        assertThat(a.setup()).isEqualTo(Sdp.Setup.ACTPASS);
        assertThat(a.offerDirection()).isEqualTo(Sdp.Direction.SENDONLY);
        assertThat(a.answerDirection()).isEqualTo(Sdp.Direction.RECVONLY);
        assertThat(a.remoteSsrc()).hasValue(3735928559L);
        assertThat(a.remoteCname()).isEqualTo("Wq0vYbXl1FyQ4C3n");
        assertThat(a.rtcpRsize()).isTrue();
    }

    @Test
    void chromePlayer() {
        Accepted a = accept(ChromeOffers.PLAY, Purpose.PLAY);
        assertThat(a.answerDirection()).isEqualTo(Sdp.Direction.SENDONLY);
        assertThat(a.remoteSsrc()).isEmpty();
        assertThat(a.remoteCname()).isNull();
        assertThat(a.iceUfrag()).isEqualTo("k3Zq");
    }

    @Test
    void sendrecvServesBothPurposes() {
        String offer = ChromeOffers.PUBLISH.replace("a=sendonly", "a=sendrecv");
        assertThat(accept(offer, Purpose.PUBLISH).answerDirection()).isEqualTo(Sdp.Direction.RECVONLY);
        assertThat(accept(offer, Purpose.PLAY).answerDirection()).isEqualTo(Sdp.Direction.SENDONLY);
    }

    @Test
    void opusIsMatchedCaseInsensitivelyAndMustBeOnTheMLine() {
        String upper = ChromeOffers.PUBLISH.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 OPUS/48000/2");
        assertThat(accept(upper, Purpose.PUBLISH).payloadType()).isEqualTo(111);
        String other = ChromeOffers.PUBLISH.replace("111 63 9", "96 63 9")
                .replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:96 Opus/48000/2");
        assertThat(accept(other, Purpose.PUBLISH).payloadType()).isEqualTo(96);
        assertThat(accept(other, Purpose.PUBLISH).opusFmtp()).isNull(); // the fmtp still names 111
        String notListed = ChromeOffers.PUBLISH.replace("111 63 9", "63 9");
        assertRejected(notListed, Purpose.PUBLISH, Failure.NO_OPUS, "no opus/48000/2");
        String mono = ChromeOffers.PUBLISH.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/48000/1");
        assertRejected(mono, Purpose.PUBLISH, Failure.NO_OPUS, "no opus/48000/2");
        assertThat(accept(ChromeOffers.PUBLISH, Purpose.PUBLISH).warnings()).isEmpty();
    }

    @Test
    void opusRedIsTakenWhenItsFmtpNamesOpusAndKeepsTheOffersOrder() {
        Accepted chrome = accept(ChromeOffers.PUBLISH, Purpose.PUBLISH);
        assertThat(chrome.redPayloadType()).isEqualTo(63);
        assertThat(chrome.redFirst()).isFalse();
        Accepted first = accept(ChromeOffers.PUBLISH.replace("111 63 9", "63 111 9"), Purpose.PUBLISH);
        assertThat(first.redFirst()).isTrue();
        assertThat(SdpWriter.answer(SessionDescription.parse(ChromeOffers.PUBLISH.replace("111 63 9", "63 111 9")), first,
                new SdpWriter.LocalIce("abcd", "abcdefghijklmnopqrstuvwx", first.fingerprint()), "127.0.0.1", 10000,
                null, 1)).contains("m=audio 10000 UDP/TLS/RTP/SAVPF 63 111\r\n", "a=rtpmap:63 red/48000/2\r\n",
                "a=fmtp:63 111/111\r\n");
        // Three levels of redundancy are fine; a block of another codec, no fmtp or RED off the m= line are not.
        assertThat(accept(ChromeOffers.PUBLISH.replace("a=fmtp:63 111/111", "a=fmtp:63 111/111/111"), Purpose.PUBLISH)
                .redPayloadType()).isEqualTo(63);
        assertThat(accept(ChromeOffers.PUBLISH.replace("a=fmtp:63 111/111", "a=fmtp:63 111/9"), Purpose.PUBLISH)
                .redPayloadType()).isEqualTo(-1);
        assertThat(accept(ChromeOffers.PUBLISH.replace("a=fmtp:63 111/111\r\n", ""), Purpose.PUBLISH)
                .redPayloadType()).isEqualTo(-1);
        assertThat(accept(ChromeOffers.PUBLISH.replace("111 63 9", "111 9"), Purpose.PUBLISH).redPayloadType())
                .isEqualTo(-1);
    }

    @Test
    void opusWithoutAChannelCountIsAcceptedWithAWarning() {
        // GStreamer's webrtcbin writes a=rtpmap:<pt> OPUS/48000 by default.
        String gst = ChromeOffers.PUBLISH.replace("111 63 9", "96 63 9")
                .replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:96 OPUS/48000");
        Accepted a = accept(gst, Purpose.PUBLISH);
        assertThat(a.payloadType()).isEqualTo(96);
        assertThat(a.warnings()).singleElement().asString().contains("a=rtpmap:96 OPUS/48000", "no channel count");
        assertThat(accept(gst.replace("a=sendonly", "a=recvonly"), Purpose.PLAY).payloadType()).isEqualTo(96);
        // The answer still says opus/48000/2.
        String answer = SdpWriter.answer(SessionDescription.parse(gst), a,
                new SdpWriter.LocalIce("abcd", "abcdefghijklmnopqrstuvwx", a.fingerprint()), "127.0.0.1", 10000, null, 1);
        assertThat(answer).contains("a=rtpmap:96 opus/48000/2\r\n");
        // A proper opus/48000/2 later in the list wins, with no warning.
        String both = ChromeOffers.PUBLISH.replace("111 63 9", "96 111 63 9")
                .replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:96 opus/48000\r\na=rtpmap:111 opus/48000/2");
        assertThat(accept(both, Purpose.PUBLISH).payloadType()).isEqualTo(111);
        assertThat(accept(both, Purpose.PUBLISH).warnings()).isEmpty();
    }

    @Test
    void supportedExtensionsAreTheCallersChoice() {
        Set<String> none = Set.of();
        assertThat(accept(ChromeOffers.PUBLISH, Purpose.PUBLISH, none).extensions()).isEmpty();
        Set<String> twcc = Set.of("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
        assertThat(accept(ChromeOffers.PUBLISH, Purpose.PUBLISH, twcc).extensions()).containsValue(3);
    }

    @Test
    void sessionLevelCredentialsAndFingerprintAreUsed() {
        String moved = ChromeOffers.PUBLISH
                .replace("a=ice-ufrag:EsAw\r\n", "").replace("a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n", "")
                .replace("a=setup:actpass\r\n", "")
                .replace("t=0 0\r\n", "t=0 0\r\na=ice-ufrag:EsAw\r\na=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n"
                        + "a=fingerprint:sha-256 AA:BB\r\na=setup:active\r\n")
                .replaceAll("a=fingerprint:sha-256 DA[^\r]*\r\n", "");
        Accepted a = accept(moved, Purpose.PUBLISH);
        assertThat(a.iceUfrag()).isEqualTo("EsAw");
        assertThat(a.fingerprint()).isEqualTo(new Sdp.Fingerprint("sha-256", "AA:BB"));
        assertThat(a.setup()).isEqualTo(Sdp.Setup.ACTIVE);
    }

    @Test
    void firstEnabledAudioSectionIsChosen() {
        String offer = ChromeOffers.PUBLISH.replace("a=group:BUNDLE 0", "a=group:BUNDLE 1 0")
                .replace("m=audio 9", "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
                        + "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\nm=audio 9");
        Accepted a = accept(offer, Purpose.PUBLISH);
        assertThat(a.mediaIndex()).isEqualTo(2);
        assertThat(a.mid()).isEqualTo("0");
    }

    @Test
    void everyRefusalHasAReason() {
        String offer = ChromeOffers.PUBLISH;
        assertRejected(offer.replace("m=audio", "m=video"), Purpose.PUBLISH, Failure.NO_AUDIO, "no enabled audio");
        assertRejected(offer.replace("m=audio 9", "m=audio 0"), Purpose.PUBLISH, Failure.NO_AUDIO, "no enabled audio");
        assertRejected(offer.replace("UDP/TLS/RTP/SAVPF", "RTP/AVP"), Purpose.PUBLISH, Failure.BAD_PROTOCOL,
                "RTP/AVP (expected: UDP/TLS/RTP/SAVPF)");
        assertRejected(offer.replace("a=rtcp-mux\r\n", ""), Purpose.PUBLISH, Failure.NO_RTCP_MUX, "a=rtcp-mux");
        assertRejected(offer.replaceAll("a=fingerprint[^\r]*\r\n", ""), Purpose.PUBLISH, Failure.NO_FINGERPRINT,
                "a=fingerprint");
        assertRejected(offer.replaceAll("a=ice-pwd[^\r]*\r\n", ""), Purpose.PUBLISH, Failure.NO_ICE_CREDENTIALS,
                "a=ice-pwd");
        assertRejected(offer.replaceAll("a=ice-ufrag[^\r]*\r\n", ""), Purpose.PUBLISH, Failure.NO_ICE_CREDENTIALS,
                "a=ice-ufrag");
        assertRejected(offer.replace("a=setup:actpass", "a=setup:passive"), Purpose.PUBLISH, Failure.BAD_SETUP,
                "a=setup:passive (expected: actpass or active");
        assertRejected(offer, Purpose.PLAY, Failure.BAD_DIRECTION, "audio is sendonly (expected: recvonly or sendrecv to play)");
        assertRejected(ChromeOffers.PLAY, Purpose.PUBLISH, Failure.BAD_DIRECTION,
                "audio is recvonly (expected: sendonly or sendrecv to publish)");
        assertRejected(offer.replace("a=sendonly", "a=inactive"), Purpose.PUBLISH, Failure.BAD_DIRECTION, "inactive");
    }

    static Accepted accept(String offer, Purpose purpose) {
        return accept(offer, purpose, SdpNegotiator.DEFAULT_EXTENSIONS);
    }

    static Accepted accept(String offer, Purpose purpose, Set<String> extensions) {
        Result result = SdpNegotiator.negotiate(SessionDescription.parse(offer), purpose, extensions);
        assertThat(result).isInstanceOf(Accepted.class);
        return (Accepted) result;
    }

    private static void assertRejected(String offer, Purpose purpose, Failure failure, String message) {
        Result result = SdpNegotiator.negotiate(SessionDescription.parse(offer), purpose);
        assertThat(result).isInstanceOf(Rejected.class);
        Rejected rejected = (Rejected) result;
        assertThat(rejected.failure()).isEqualTo(failure);
        assertThat(rejected.message()).contains(message);
    }
}
