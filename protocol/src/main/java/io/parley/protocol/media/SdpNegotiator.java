package io.parley.protocol.media;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Decides whether the server can answer an audio offer, and with what (RFC 3264 rules applied to
 * the WebRTC subset we support). Pure: it returns {@link Rejected} with a reason instead of
 * throwing, and the server maps {@link Failure} to its own error code.
 */
public final class SdpNegotiator {

    /** Header extensions the SFU understands unless the caller says otherwise. */
    public static final Set<String> DEFAULT_EXTENSIONS = Set.of(Sdp.AUDIO_LEVEL_URI, Sdp.MID_URI);

    /** What the client means to do with the audio section, seen from the client. */
    public enum Purpose {
        /** The client sends: the offer must be sendonly or sendrecv; the answer is recvonly. */
        PUBLISH,
        /** The client receives: the offer must be recvonly or sendrecv; the answer is sendonly. */
        PLAY
    }

    public enum Failure { NO_AUDIO, BAD_PROTOCOL, NO_OPUS, NO_RTCP_MUX, NO_FINGERPRINT, NO_ICE_CREDENTIALS,
        BAD_DIRECTION, BAD_SETUP }

    /** Either {@link Accepted} or {@link Rejected}. */
    public sealed interface Result permits Accepted, Rejected {
    }

    /**
     * What was agreed for the audio section.
     *
     * @param mediaIndex      index of the accepted section among the offer's m= sections
     * @param mid             its {@code a=mid}, or null
     * @param payloadType     the offer's payload type for opus/48000/2
     * @param opusFmtp        the offer's fmtp for that payload type, or null
     * @param extensions      accepted header extensions: URI to the offer's id, in offer order
     * @param setup           the offer's DTLS role (actpass or active; the server is then passive)
     * @param answerDirection the direction to put in the answer
     * @param remoteSsrc      the offerer's SSRC from {@code a=ssrc}, if listed
     * @param remoteCname     the CNAME of that SSRC, or null
     * @param rtcpRsize       whether the offerer accepts reduced-size RTCP
     * @param warnings        what the offer got wrong but was accepted anyway, for the server's log (may be empty)
     * @param redPayloadType  the offer's payload type for Opus RED ({@code red/48000/2}, fmtp {@code <opus>/<opus>},
     *                        RFC 2198), or -1 when it offers none
     * @param redFirst        whether the offer lists RED before Opus on the m= line (the answer keeps that order:
     *                        a sender uses RED only when it comes first)
     */
    public record Accepted(int mediaIndex, String mid, int payloadType, String opusFmtp,
            Map<String, Integer> extensions, String iceUfrag, String icePwd, Sdp.Fingerprint fingerprint,
            Sdp.Setup setup, Sdp.Direction offerDirection, Sdp.Direction answerDirection, OptionalLong remoteSsrc,
            String remoteCname, boolean rtcpRsize, List<String> warnings, int redPayloadType, boolean redFirst)
            implements Result {

        public Accepted {
            extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
            warnings = List.copyOf(warnings);
        }
    }

    /** @param message what was wrong, in words fit for a log line and the client */
    public record Rejected(Failure failure, String message) implements Result {
    }

    private SdpNegotiator() {
    }

    public static Result negotiate(SessionDescription offer, Purpose purpose) {
        return negotiate(offer, purpose, DEFAULT_EXTENSIONS);
    }

    /**
     * Picks the first enabled audio section and checks it against what the server needs.
     *
     * @param supportedExtensions header extension URIs the server will accept
     */
    public static Result negotiate(SessionDescription offer, Purpose purpose, Set<String> supportedExtensions) {
        List<MediaSection> media = offer.media();
        int index = -1;
        for (int i = 0; i < media.size(); i++) {
            if (media.get(i).kind().equals("audio") && media.get(i).port() != 0) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            return new Rejected(Failure.NO_AUDIO, "offer has no enabled audio section (expected: m=audio with a port)");
        }
        return negotiateSection(offer, index, purpose, supportedExtensions);
    }

    /**
     * Checks the offer's m= section {@code index} (one section of a BUNDLE offer, RFC 8843) against what the server
     * needs, as {@link #negotiate} does for the first enabled audio section. ICE credentials, fingerprint and setup
     * are read from the section, else from the session level.
     */
    public static Result negotiateSection(SessionDescription offer, int index, Purpose purpose,
            Set<String> supportedExtensions) {
        List<MediaSection> media = offer.media();
        if (index < 0 || index >= media.size() || !media.get(index).kind().equals("audio")
                || media.get(index).port() == 0) {
            return new Rejected(Failure.NO_AUDIO, "m= section " + index + " is not an enabled audio section"
                    + " (expected: m=audio with a port)");
        }
        MediaSection audio = media.get(index);
        if (!audio.protocol().equalsIgnoreCase(Sdp.PROTOCOL)) {
            return new Rejected(Failure.BAD_PROTOCOL,
                    "audio protocol " + audio.protocol() + " (expected: " + Sdp.PROTOCOL + ")");
        }
        List<String> warnings = new ArrayList<>(1);
        Sdp.Rtpmap opus = null;
        Sdp.Rtpmap opusWithoutChannels = null;
        for (Sdp.Rtpmap rtpmap : audio.rtpmaps()) {
            if (!audio.formats().contains(Integer.toString(rtpmap.payloadType()))) {
                continue;
            }
            if (rtpmap.isOpus()) {
                opus = rtpmap;
                break;
            }
            if (opusWithoutChannels == null && rtpmap.isOpusWithoutChannels()) {
                opusWithoutChannels = rtpmap;
            }
        }
        if (opus == null && opusWithoutChannels != null) {
            // RFC 7587 says opus/48000/2, but GStreamer's webrtcbin writes opus/48000 by default: same codec.
            opus = opusWithoutChannels;
            warnings.add("a=rtpmap:" + opus.payloadType() + " " + opus.encoding() + "/" + opus.clockRate()
                    + " has no channel count (expected: opus/48000/2); taken as opus/48000/2");
        }
        if (opus == null) {
            return new Rejected(Failure.NO_OPUS, "audio section offers no opus/48000/2 payload type");
        }
        if (!audio.rtcpMux()) {
            return new Rejected(Failure.NO_RTCP_MUX, "audio section lacks a=rtcp-mux (RTP and RTCP share one port)");
        }
        Sdp.Fingerprint fingerprint = audio.fingerprint() != null ? audio.fingerprint() : offer.fingerprint();
        if (fingerprint == null) {
            return new Rejected(Failure.NO_FINGERPRINT, "offer has no a=fingerprint (DTLS-SRTP needs one)");
        }
        String ufrag = audio.iceUfrag() != null ? audio.iceUfrag() : offer.iceUfrag();
        String pwd = audio.icePwd() != null ? audio.icePwd() : offer.icePwd();
        if (ufrag == null || ufrag.isEmpty() || pwd == null || pwd.isEmpty()) {
            return new Rejected(Failure.NO_ICE_CREDENTIALS, "offer lacks a=ice-ufrag or a=ice-pwd");
        }
        Sdp.Setup setup = audio.setup() != null ? audio.setup() : offer.setup();
        if (setup == null) {
            setup = Sdp.Setup.ACTIVE; // RFC 4145: absent means active
        }
        if (setup != Sdp.Setup.ACTPASS && setup != Sdp.Setup.ACTIVE) {
            return new Rejected(Failure.BAD_SETUP,
                    "a=setup:" + setup.token() + " (expected: actpass or active; the server is DTLS passive)");
        }
        Sdp.Direction direction = audio.direction();
        Sdp.Direction answer = answerDirection(direction, purpose);
        if (answer == null) {
            return new Rejected(Failure.BAD_DIRECTION, "audio is " + direction.token() + " (expected: "
                    + (purpose == Purpose.PUBLISH ? "sendonly or sendrecv to publish" : "recvonly or sendrecv to play")
                    + ")");
        }
        int red = redPayloadType(audio, opus.payloadType());
        Map<String, Integer> extensions = new LinkedHashMap<>();
        for (Sdp.Extmap extmap : audio.extmaps()) {
            if (supportedExtensions.contains(extmap.uri()) && extmap.id() <= 255) {
                extensions.putIfAbsent(extmap.uri(), extmap.id());
            }
        }
        boolean sends = direction == Sdp.Direction.SENDONLY || direction == Sdp.Direction.SENDRECV;
        OptionalLong ssrc = sends ? audio.firstSsrc() : OptionalLong.empty();
        return new Accepted(index, audio.mid(), opus.payloadType(), audio.fmtp(opus.payloadType()), extensions,
                ufrag, pwd, fingerprint, setup, direction, answer, ssrc, sends ? audio.cname() : null,
                audio.rtcpRsize(), warnings, red, red >= 0
                        && audio.formats().indexOf(Integer.toString(red))
                        < audio.formats().indexOf(Integer.toString(opus.payloadType())));
    }

    /** The first {@code red/48000/2} on the m= line whose fmtp names only {@code opus} (e.g. 111/111), or -1. */
    private static int redPayloadType(MediaSection audio, int opus) {
        for (Sdp.Rtpmap rtpmap : audio.rtpmaps()) {
            if (!rtpmap.encoding().equalsIgnoreCase(Sdp.RED) || rtpmap.clockRate() != Sdp.OPUS_CLOCK_RATE
                    || rtpmap.channels() != Sdp.OPUS_CHANNELS
                    || !audio.formats().contains(Integer.toString(rtpmap.payloadType()))) {
                continue;
            }
            String fmtp = audio.fmtp(rtpmap.payloadType());
            if (fmtp != null && fmtp.trim().matches("(" + opus + "/)+" + opus)) {
                return rtpmap.payloadType();
            }
        }
        return -1;
    }

    /** The answer's direction, or null when the offer's direction cannot serve the purpose. */
    private static Sdp.Direction answerDirection(Sdp.Direction offered, Purpose purpose) {
        if (purpose == Purpose.PUBLISH) {
            return offered == Sdp.Direction.SENDONLY || offered == Sdp.Direction.SENDRECV ? Sdp.Direction.RECVONLY : null;
        }
        return offered == Sdp.Direction.RECVONLY || offered == Sdp.Direction.SENDRECV ? Sdp.Direction.SENDONLY : null;
    }
}
