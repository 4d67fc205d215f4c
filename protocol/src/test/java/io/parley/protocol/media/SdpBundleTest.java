package io.parley.protocol.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.protocol.media.SdpNegotiator.Accepted;
import io.parley.protocol.media.SdpNegotiator.Purpose;
import io.parley.protocol.media.SdpWriter.BundleSection;
import io.parley.protocol.media.SdpWriter.LocalSource;
import io.parley.protocol.media.SdpWriter.OfferSection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BUNDLE (RFC 8843): the client's whole-session offer, one section negotiated at a time, and the server's answer. */
class SdpBundleTest {
    private static final SdpWriter.LocalIce CLIENT_ICE = new SdpWriter.LocalIce("cLnT", "clientpassword0123456789",
            SdpWriterTest.SERVER_FINGERPRINT);

    private static OfferSection section(String mid, Sdp.Direction d, long ssrc, boolean stopped) {
        return new OfferSection(mid, d, new LocalSource(ssrc, "cn" + mid, "parley", "audio" + mid), stopped);
    }

    private static SessionDescription offer() {
        return SessionDescription.parse(SdpWriter.bundleOffer(List.of(
                section("0", Sdp.Direction.SENDONLY, 1000, false),
                section("1", Sdp.Direction.RECVONLY, 2000, true),
                section("2", Sdp.Direction.RECVONLY, 3000, false)), CLIENT_ICE, 9, 5));
    }

    @Test
    void theClientsOfferBundlesItsLiveSectionsAndKeepsStoppedOnesWithPortZero() {
        SessionDescription o = offer();
        assertThat(o.bundleMids()).containsExactly("0", "2");
        assertThat(o.origin()).isEqualTo("- 9 5 IN IP4 127.0.0.1");
        assertThat(o.media()).extracting(MediaSection::port).containsExactly(9, 0, 9);
        assertThat(o.media()).extracting(MediaSection::mid).containsExactly("0", "1", "2");
        assertThat(o.media().get(1).direction()).isEqualTo(Sdp.Direction.INACTIVE);
        assertThat(o.media().get(0).extmaps()).extracting(Sdp.Extmap::uri).contains(Sdp.MID_URI, Sdp.AUDIO_LEVEL_URI);
        assertThat(o.media().get(0).firstSsrc()).hasValue(1000);
        assertThat(o.media().get(2).firstSsrc()).hasValue(3000);
    }

    @Test
    void eachSectionIsNegotiatedOnItsOwnAndAStoppedOneIsRefused() {
        SessionDescription o = offer();
        Accepted pub = (Accepted) SdpNegotiator.negotiateSection(o, 0, Purpose.PUBLISH, SdpNegotiator.DEFAULT_EXTENSIONS);
        assertThat(pub.mid()).isEqualTo("0");
        assertThat(pub.mediaIndex()).isZero();
        assertThat(pub.remoteSsrc()).hasValue(1000);
        assertThat(pub.extensions()).containsEntry(Sdp.MID_URI, SdpWriter.OFFER_MID_ID);
        Accepted play = (Accepted) SdpNegotiator.negotiateSection(o, 2, Purpose.PLAY, SdpNegotiator.DEFAULT_EXTENSIONS);
        assertThat(play.answerDirection()).isEqualTo(Sdp.Direction.SENDONLY);
        assertThat(play.iceUfrag()).isEqualTo("cLnT");
        assertThat(SdpNegotiator.negotiateSection(o, 1, Purpose.PLAY, SdpNegotiator.DEFAULT_EXTENSIONS))
                .isInstanceOfSatisfying(SdpNegotiator.Rejected.class,
                        r -> assertThat(r.failure()).isEqualTo(SdpNegotiator.Failure.NO_AUDIO));
        assertThat(SdpNegotiator.negotiateSection(o, 2, Purpose.PUBLISH, SdpNegotiator.DEFAULT_EXTENSIONS))
                .isInstanceOfSatisfying(SdpNegotiator.Rejected.class,
                        r -> assertThat(r.failure()).isEqualTo(SdpNegotiator.Failure.BAD_DIRECTION));
        assertThat(SdpNegotiator.negotiateSection(o, 7, Purpose.PLAY, SdpNegotiator.DEFAULT_EXTENSIONS))
                .isInstanceOf(SdpNegotiator.Rejected.class);
    }

    @Test
    void theAnswerSharesOneTransportAndOnlyItsTaggedSectionCarriesTheCandidate() {
        SessionDescription o = offer();
        Accepted pub = (Accepted) SdpNegotiator.negotiateSection(o, 0, Purpose.PUBLISH, SdpNegotiator.DEFAULT_EXTENSIONS);
        Accepted play = (Accepted) SdpNegotiator.negotiateSection(o, 2, Purpose.PLAY, SdpNegotiator.DEFAULT_EXTENSIONS);
        String text = SdpWriter.bundleAnswer(o, List.of(new BundleSection(pub, null), BundleSection.REJECTED,
                new BundleSection(play, SdpWriterTest.SERVER_SOURCE)), SdpWriterTest.SERVER_ICE, "203.0.113.7", 40000,
                42, 3);
        SessionDescription a = SessionDescription.parse(text);
        assertThat(a.iceLite()).isTrue();
        assertThat(a.origin()).isEqualTo("- 42 3 IN IP4 127.0.0.1");
        assertThat(a.bundleMids()).containsExactly("0", "2");
        assertThat(a.media()).extracting(MediaSection::port).containsExactly(40000, 0, 40000);
        assertThat(a.media()).extracting(MediaSection::mid).containsExactly("0", "1", "2");
        assertThat(a.media().get(0).direction()).isEqualTo(Sdp.Direction.RECVONLY);
        assertThat(a.media().get(2).direction()).isEqualTo(Sdp.Direction.SENDONLY);
        assertThat(a.media().get(0).candidates()).hasSize(1);
        assertThat(a.media().get(2).candidates()).isEmpty();
        for (int i : new int[] {0, 2}) {
            assertThat(a.media().get(i).iceUfrag()).isEqualTo(SdpWriterTest.SERVER_ICE.ufrag());
            assertThat(a.media().get(i).setup()).isEqualTo(Sdp.Setup.PASSIVE);
        }
        assertThat(a.media().get(2).firstSsrc()).hasValue(SdpWriterTest.SERVER_SOURCE.ssrc());
        assertThat(a.media().get(0).firstSsrc()).isEmpty();
        assertThatThrownBy(() -> SdpWriter.bundleAnswer(o, List.of(BundleSection.REJECTED), SdpWriterTest.SERVER_ICE,
                "203.0.113.7", 40000, 42, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one per");
        assertThatThrownBy(() -> SdpWriter.bundleAnswer(o, List.of(BundleSection.REJECTED, BundleSection.REJECTED,
                new BundleSection(play, null)), SdpWriterTest.SERVER_ICE, "203.0.113.7", 40000, 42, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source");
    }
}
