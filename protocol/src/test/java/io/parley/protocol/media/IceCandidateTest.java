package io.parley.protocol.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The server's candidates: RFC 8445 priorities, RFC 6544 passive TCP lines, UDP above TCP, order by address rank. */
class IceCandidateTest {
    @Test
    void prioritiesFollowTheFormulaAndUdpOutranksTcp() {
        // 2^24 * 126 + 2^8 * 65535 + 255
        assertThat(IceCandidate.udpHost(0, "203.0.113.7", 10000).priority()).isEqualTo(2130706431L);
        assertThat(IceCandidate.udpHost(1, "2001:db8::7", 10000).priority()).isEqualTo(2130706175L);
        // 2^24 * 90 + 2^8 * (2^13 * 4 + 8191) + 255
        assertThat(IceCandidate.tcpPassiveHost(0, "203.0.113.7", 10000).priority()).isEqualTo(1520435199L);
        assertThat(IceCandidate.tcpPassiveHost(1, "2001:db8::7", 10000).priority()).isEqualTo(1520434943L);
        // Below a UDP server-reflexive candidate of any local preference (type 100), so UDP wins where it works.
        assertThat(IceCandidate.tcpPassiveHost(0, "203.0.113.7", 10000).priority())
                .isLessThan(IceCandidate.priority(100, 0));
    }

    @Test
    void linesAreWhatRfc8839AndRfc6544Say() {
        List<IceCandidate> all = IceCandidate.hosts(List.of("203.0.113.7", "2001:db8::7"),
                a -> a.contains(":") ? 10002 : 10000, a -> a.contains(":") ? 0 : 10001);
        assertThat(all).extracting(IceCandidate::sdpValue).containsExactly(
                "1 1 udp 2130706431 203.0.113.7 10000 typ host",
                "2 1 udp 2130706175 2001:db8::7 10002 typ host",
                "t1 1 tcp 1520435199 203.0.113.7 10001 typ host tcptype passive");
    }

    @Test
    void anAnswerCarriesEveryCandidateAndParsesBack() {
        String offer = String.join("\r\n", "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:0", "a=ice-ufrag:abcd",
                "a=ice-pwd:abcdefghijklmnopqrstuvwx",
                "a=fingerprint:sha-256 " + String.join(":", java.util.Collections.nCopies(32, "AB")),
                "a=setup:actpass", "a=sendonly", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=ssrc:1 cname:x", "") ;
        SessionDescription parsed = SessionDescription.parse(offer);
        SdpNegotiator.Accepted accepted = (SdpNegotiator.Accepted) SdpNegotiator.negotiate(parsed, SdpNegotiator.Purpose.PUBLISH);
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce("srvU", "serverpasswordserverpass",
                new Sdp.Fingerprint("sha-256", String.join(":", java.util.Collections.nCopies(32, "CD"))));
        List<IceCandidate> candidates = IceCandidate.hosts(List.of("203.0.113.7", "2001:db8::7"), a -> 10000, a -> 10000);
        String answer = SdpWriter.answer(parsed, accepted, ice, candidates, null, 7);
        MediaSection audio = SessionDescription.parse(answer).media().get(0);
        assertThat(audio.port()).isEqualTo(10000);
        assertThat(answer).contains("c=IN IP4 203.0.113.7\r\n");
        assertThat(audio.candidates()).extracting(Sdp.Candidate::transport).containsExactly("udp", "udp", "tcp", "tcp");
        assertThat(audio.candidates()).extracting(Sdp.Candidate::address)
                .containsExactly("203.0.113.7", "2001:db8::7", "203.0.113.7", "2001:db8::7");
        assertThat(answer).contains("a=candidate:t2 1 tcp 1520434943 2001:db8::7 10000 typ host tcptype passive\r\n");
        assertThatThrownBy(() -> SdpWriter.answer(parsed, accepted, ice, candidates.subList(2, 4), null, 7))
                .hasMessageContaining("expected: a UDP candidate first");
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> IceCandidate.udpHost(0, "203.0.113.7", 0)).hasMessageContaining("port: 0");
        assertThatThrownBy(() -> new IceCandidate("a b", "udp", 1, "1.2.3.4", 1)).hasMessageContaining("foundation");
        assertThatThrownBy(() -> new IceCandidate("1", "sctp", 1, "1.2.3.4", 1)).hasMessageContaining("transport");
    }
}
