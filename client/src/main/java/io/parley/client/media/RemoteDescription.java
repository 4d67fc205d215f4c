package io.parley.client.media;

import io.parley.media.dtls.DtlsFingerprint;
import io.parley.media.dtls.DtlsRole;
import io.parley.protocol.media.MediaSection;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SessionDescription;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * What the client needs from the server's answer: where to send (its one UDP host candidate), its ICE
 * credentials and certificate fingerprint, our DTLS role, the Opus payload type, the audio level extension
 * id and, when the server sends, its SSRC.
 *
 * @param audioLevelId the answer's id for {@code ssrc-audio-level}, or 0 when it did not keep the extension
 * @param remoteSsrc   the answer's first {@code a=ssrc}, or -1 (a recvonly answer has none)
 * @param midId        the answer's id (1..14) for {@code sdes:mid}, or 0 when it did not keep the extension
 * @param mid          the answer's {@code a=mid}, or null
 * @param redPayloadType the answer's Opus RED ({@code red/48000/2}, RFC 2198) payload type, or -1
 */
public record RemoteDescription(InetSocketAddress candidate, String iceUfrag, String icePwd,
        DtlsFingerprint fingerprint, DtlsRole localRole, boolean iceLite, int opusPayloadType, int audioLevelId,
        long remoteSsrc, int midId, String mid, int redPayloadType) {

    /** Reads an answer; throws {@link IllegalArgumentException} saying what is missing. */
    public static RemoteDescription parse(String sdp) {
        return parse(sdp, null);
    }

    /**
     * Reads one stream's m= section of a BUNDLE answer: the one with {@code a=mid:<mid>} (the first accepted audio
     * section when {@code mid} is null); the candidate comes from the first accepted section that has one (RFC 8843:
     * the answerer-tagged section).
     */
    public static RemoteDescription parse(String sdp, String mid) {
        if (sdp == null || sdp.isEmpty()) {
            throw new IllegalArgumentException("answer: no SDP (expected: the server's answer in data.sdp)");
        }
        SessionDescription d = SessionDescription.parse(sdp);
        MediaSection audio = d.media().stream()
                .filter(m -> m.kind().equals("audio") && m.port() != 0 && (mid == null || mid.equals(m.mid())))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(mid == null ? "answer: no accepted audio m-line"
                        : "answer: m-line mid '" + mid + "' not accepted"));
        MediaSection tagged = d.media().stream()
                .filter(m -> m.kind().equals("audio") && m.port() != 0 && !m.candidates().isEmpty())
                .findFirst()
                .orElse(audio);
        Sdp.Candidate host = tagged.candidates().stream()
                .filter(c -> c.component() == 1 && c.transport().toLowerCase(Locale.ROOT).equals("udp"))
                .filter(c -> c.type().equals("host"))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "answer: no 'a=candidate:... 1 udp ... typ host' line (expected: the server's host candidate)"));
        String ufrag = orElse(audio.iceUfrag(), d.iceUfrag());
        String pwd = orElse(audio.icePwd(), d.icePwd());
        if (ufrag == null || pwd == null) {
            throw new IllegalArgumentException("answer: no a=ice-ufrag / a=ice-pwd");
        }
        Sdp.Fingerprint fp = audio.fingerprint() != null ? audio.fingerprint() : d.fingerprint();
        if (fp == null) {
            throw new IllegalArgumentException("answer: no a=fingerprint");
        }
        Sdp.Setup setup = audio.setup() != null ? audio.setup() : d.setup();
        // The server answers passive (it is the DTLS server); an active answer makes us the server.
        DtlsRole role = setup == Sdp.Setup.ACTIVE ? DtlsRole.SERVER : DtlsRole.CLIENT;
        int opus = audio.rtpmaps().stream()
                .filter(Sdp.Rtpmap::isOpus)
                .mapToInt(Sdp.Rtpmap::payloadType)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("answer: no a=rtpmap for opus/48000/2"));
        int level = oneByteId(audio, Sdp.AUDIO_LEVEL_URI);
        String sectionMid = audio.mid();
        int midId = sectionMid != null && !sectionMid.isEmpty() && sectionMid.length() <= 16 ? oneByteId(audio, Sdp.MID_URI) : 0;
        return new RemoteDescription(new InetSocketAddress(host.address(), host.port()), ufrag, pwd,
                DtlsFingerprint.parse(fp.algorithm() + " " + fp.value()), role, d.iceLite(), opus, level,
                audio.firstSsrc().orElse(-1), midId, midId == 0 ? null : sectionMid,
                audio.rtpmaps().stream()
                        .filter(m -> m.encoding().equalsIgnoreCase(Sdp.RED) && m.clockRate() == Sdp.OPUS_CLOCK_RATE)
                        .mapToInt(Sdp.Rtpmap::payloadType)
                        .findFirst()
                        .orElse(-1));
    }

    private static int oneByteId(MediaSection audio, String uri) {
        return audio.extmaps().stream()
                .filter(e -> e.uri().equals(uri) && e.id() <= 14)
                .mapToInt(Sdp.Extmap::id)
                .findFirst()
                .orElse(0);
    }

    private static String orElse(String a, String b) {
        return a != null && !a.isEmpty() ? a : b;
    }
}
