package io.parley.protocol.media;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes the two SDPs Parley produces: the server's ANSWER (ICE-lite, DTLS passive, host
 * candidates over UDP and ICE-TCP) and the Java client's OFFER (one audio section, Opus, audio level). Lines end in CRLF
 * as RFC 8866 requires. Arguments come from our own code: a bad one throws
 * {@link IllegalArgumentException}, and values are checked so nothing can inject an extra line.
 */
public final class SdpWriter {

    /** The payload type our offers use for Opus, as Chrome does. */
    public static final int OFFER_OPUS_PT = 111;
    public static final int OFFER_AUDIO_LEVEL_ID = 1;
    public static final String OFFER_MID = "0";
    /** The id our BUNDLE offers give {@code sdes:mid}. */
    public static final int OFFER_MID_ID = 2;
    public static final String OPUS_FMTP = "minptime=10;useinbandfec=1";

    private static final Pattern ICE_CHARS = Pattern.compile("[A-Za-z0-9+/]+");
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]+"); // visible ASCII, no spaces
    private static final String CRLF = "\r\n";

    private SdpWriter() {
    }

    /** What this side sends, for its {@code a=ssrc} and {@code a=msid} lines. */
    public record LocalSource(long ssrc, String cname, String streamId, String trackId) {
        public LocalSource {
            if (ssrc < 0 || ssrc > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("ssrc: " + ssrc + " (expected: 0..4294967295)");
            }
            token("cname", cname);
            token("streamId", streamId);
            token("trackId", trackId);
        }
    }

    /** This side's ICE credentials and DTLS certificate fingerprint. */
    public record LocalIce(String ufrag, String pwd, Sdp.Fingerprint fingerprint) {
        public LocalIce {
            // RFC 8839 5.4: ufrag 4..256 and pwd 22..256 ice-chars.
            if (ufrag == null || ufrag.length() < 4 || ufrag.length() > 256 || !ICE_CHARS.matcher(ufrag).matches()) {
                throw new IllegalArgumentException("ice ufrag: \"" + ufrag + "\" (expected: 4..256 of A-Z a-z 0-9 + /)");
            }
            if (pwd == null || pwd.length() < 22 || pwd.length() > 256 || !ICE_CHARS.matcher(pwd).matches()) {
                throw new IllegalArgumentException("ice pwd: " + (pwd == null ? "null" : pwd.length() + " chars")
                        + " (expected: 22..256 of A-Z a-z 0-9 + /)");
            }
            if (fingerprint == null) {
                throw new IllegalArgumentException("fingerprint: null (expected: the DTLS certificate's)");
            }
        }
    }

    /**
     * The server's answer to {@code offer}, which {@code accepted} was negotiated from.
     *
     * @param hostAddress the address of the server's single UDP host candidate
     * @param hostPort    its port
     * @param source    what the server sends; required when the answer is sendonly, else ignored
     * @param sessionId the o= session id (random, positive)
     */
    public static String answer(SessionDescription offer, SdpNegotiator.Accepted accepted, LocalIce ice,
            String hostAddress, int hostPort, LocalSource source, long sessionId) {
        token("hostAddress", hostAddress);
        if (hostPort < 1 || hostPort > 65535) {
            throw new IllegalArgumentException("hostPort: " + hostPort + " (expected: 1..65535)");
        }
        return answer(offer, accepted, ice, List.of(IceCandidate.udpHost(0, hostAddress, hostPort)), source, sessionId);
    }

    /**
     * The server's answer announcing {@code candidates} (the first, a UDP one, also goes in the m= and c= lines).
     *
     * @param candidates the server's candidates, most preferred first; at least one, the first over UDP
     */
    public static String answer(SessionDescription offer, SdpNegotiator.Accepted accepted, LocalIce ice,
            List<IceCandidate> candidates, LocalSource source, long sessionId) {
        if (candidates.isEmpty() || candidates.get(0).tcp()) {
            throw new IllegalArgumentException("candidates: " + candidates + " (expected: a UDP candidate first)");
        }
        for (IceCandidate c : candidates) {
            token("candidate address", c.address());
        }
        String hostAddress = candidates.get(0).address();
        int hostPort = candidates.get(0).port();
        boolean sending = accepted.answerDirection() == Sdp.Direction.SENDONLY;
        if (sending && source == null) {
            throw new IllegalArgumentException("source: null (expected: the server's SSRC for a sendonly answer)");
        }
        StringBuilder sdp = new StringBuilder(1024);
        session(sdp, sessionId, 2);
        line(sdp, "a=ice-lite");
        String mid = accepted.mid();
        if (mid != null && offer.bundleMids().contains(mid)) {
            line(sdp, "a=group:BUNDLE " + mid); // only the accepted section stays in the bundle
        }
        List<MediaSection> media = offer.media();
        for (int i = 0; i < media.size(); i++) {
            if (i != accepted.mediaIndex()) {
                rejected(sdp, media.get(i));
                continue;
            }
            accepted(sdp, media.get(i), accepted, ice, candidates, source, true);
        }
        return sdp.toString();
    }

    /**
     * What the answer says for one m= section of a BUNDLE offer.
     *
     * @param accepted what was negotiated for the section, or null to reject it (port 0)
     * @param source   what the server sends on it; required when the section is answered sendonly
     */
    public record BundleSection(SdpNegotiator.Accepted accepted, LocalSource source, boolean inactive) {
        public static final BundleSection REJECTED = new BundleSection(null, null, false);
        /**
         * A section that carries no stream but keeps its place in the BUNDLE group with its port and
         * {@code a=inactive}: the group's first (tagged) section, whose rejection would make a browser move the
         * bundle to a new transport (as mediasoup does, it is disabled instead of closed).
         */
        public static final BundleSection INACTIVE = new BundleSection(null, null, true);

        public BundleSection(SdpNegotiator.Accepted accepted, LocalSource source) {
            this(accepted, source, false);
        }
    }

    /**
     * The server's answer to a BUNDLE offer (RFC 8843): one answer section per offer section, in order; the accepted
     * ones share the server's ICE credentials, fingerprint and port, are listed in {@code a=group:BUNDLE} (the first
     * is the answerer-tagged section and carries the candidate), the rest get port 0.
     *
     * @param version the o= version: 2 for the first answer of a session, one more for each renegotiation
     */
    public static String bundleAnswer(SessionDescription offer, List<BundleSection> sections, LocalIce ice,
            String hostAddress, int hostPort, long sessionId, long version) {
        token("hostAddress", hostAddress);
        if (hostPort < 1 || hostPort > 65535) {
            throw new IllegalArgumentException("hostPort: " + hostPort + " (expected: 1..65535)");
        }
        return bundleAnswer(offer, sections, ice, List.of(IceCandidate.udpHost(0, hostAddress, hostPort)), sessionId,
                version);
    }

    /**
     * {@link #bundleAnswer(SessionDescription, List, LocalIce, String, int, long, long)} announcing {@code candidates}
     * (the first, a UDP one, also goes in the m= and c= lines; all of them in the tagged section).
     */
    public static String bundleAnswer(SessionDescription offer, List<BundleSection> sections, LocalIce ice,
            List<IceCandidate> candidates, long sessionId, long version) {
        if (candidates.isEmpty() || candidates.get(0).tcp()) {
            throw new IllegalArgumentException("candidates: " + candidates + " (expected: a UDP candidate first)");
        }
        for (IceCandidate c : candidates) {
            token("candidate address", c.address());
        }
        List<MediaSection> media = offer.media();
        if (sections.size() != media.size()) {
            throw new IllegalArgumentException("sections: " + sections.size() + " (expected: one per offer section, "
                    + media.size() + ")");
        }
        StringBuilder sdp = new StringBuilder(1024 * Math.max(1, media.size()));
        session(sdp, sessionId, version);
        line(sdp, "a=ice-lite");
        StringBuilder group = new StringBuilder("a=group:BUNDLE");
        for (int i = 0; i < media.size(); i++) {
            BundleSection s = sections.get(i);
            String mid = s.accepted() != null ? s.accepted().mid() : s.inactive() ? media.get(i).mid() : null;
            if (s.accepted() != null || s.inactive()) {
                if (mid == null) {
                    throw new IllegalArgumentException("a bundled section without a mid (expected: a=mid on each)");
                }
                token("mid", mid);
                group.append(' ').append(mid);
            }
        }
        if (group.length() > "a=group:BUNDLE".length()) {
            line(sdp, group.toString());
        }
        boolean tagged = true;
        for (int i = 0; i < media.size(); i++) {
            BundleSection s = sections.get(i);
            if (s.inactive()) {
                inactive(sdp, media.get(i), ice, candidates, tagged);
                tagged = false;
                continue;
            }
            if (s.accepted() == null) {
                rejected(sdp, media.get(i));
                continue;
            }
            accepted(sdp, media.get(i), s.accepted(), ice, candidates, s.source(), tagged);
            tagged = false;
        }
        return sdp.toString();
    }

    private static void accepted(StringBuilder sdp, MediaSection offered, SdpNegotiator.Accepted accepted, LocalIce ice,
            List<IceCandidate> candidates, LocalSource source, boolean withCandidate) {
        String hostAddress = candidates.get(0).address();
        int hostPort = candidates.get(0).port();
        boolean sending = accepted.answerDirection() == Sdp.Direction.SENDONLY;
        if (sending && source == null) {
            throw new IllegalArgumentException("source: null (expected: the server's SSRC for a sendonly answer)");
        }
        String mid = accepted.mid();
        int pt = accepted.payloadType();
        int red = accepted.redPayloadType();
        String formats = red < 0 ? Integer.toString(pt) : accepted.redFirst() ? red + " " + pt : pt + " " + red;
        line(sdp, "m=audio " + hostPort + " " + offered.protocol() + " " + formats);
        line(sdp, "c=IN " + (hostAddress.contains(":") ? "IP6 " : "IP4 ") + hostAddress);
        if (mid != null) {
            line(sdp, "a=mid:" + mid);
        }
        ice(sdp, ice, Sdp.Setup.PASSIVE);
        line(sdp, "a=" + accepted.answerDirection().token());
        line(sdp, "a=rtcp-mux");
        if (accepted.rtcpRsize()) {
            line(sdp, "a=rtcp-rsize");
        }
        line(sdp, "a=rtpmap:" + pt + " opus/48000/2");
        if (accepted.extensions().containsKey(Sdp.TRANSPORT_CC_URI)
                && offered.rtcpFeedback(pt).contains(Sdp.TRANSPORT_CC_FEEDBACK)) {
            line(sdp, "a=rtcp-fb:" + pt + " " + Sdp.TRANSPORT_CC_FEEDBACK); // the server sends TWCC feedback
        }
        if (accepted.opusFmtp() != null && !accepted.opusFmtp().isEmpty()) {
            line(sdp, "a=fmtp:" + pt + " " + accepted.opusFmtp());
        }
        if (red >= 0) {
            line(sdp, "a=rtpmap:" + red + " red/48000/2");
            line(sdp, "a=fmtp:" + red + " " + pt + "/" + pt);
        }
        for (Map.Entry<String, Integer> extension : accepted.extensions().entrySet()) {
            line(sdp, "a=extmap:" + extension.getValue() + " " + extension.getKey());
        }
        if (sending) {
            source(sdp, source);
        }
        if (withCandidate) {
            for (IceCandidate c : candidates) {
                line(sdp, "a=candidate:" + c.sdpValue());
            }
            line(sdp, "a=end-of-candidates");
        }
    }

    /**
     * The Java client's offer: one audio section, Opus 111/48000/2, ssrc-audio-level as id 1,
     * rtcp-mux, DTLS actpass. No candidates: the server is ICE-lite and learns the client's address
     * from its checks.
     *
     * @param direction SENDONLY to publish, RECVONLY to play
     * @param source    what the client sends (for RECVONLY only its SSRC and CNAME are written,
     *                  which RTCP reports use); required for SENDONLY
     */
    public static String offer(Sdp.Direction direction, LocalIce ice, LocalSource source, long sessionId) {
        if (direction != Sdp.Direction.SENDONLY && direction != Sdp.Direction.RECVONLY) {
            throw new IllegalArgumentException("direction: " + direction + " (expected: SENDONLY or RECVONLY)");
        }
        if (direction == Sdp.Direction.SENDONLY && source == null) {
            throw new IllegalArgumentException("source: null (expected: the client's SSRC for a sendonly offer)");
        }
        StringBuilder sdp = new StringBuilder(1024);
        session(sdp, sessionId, 2);
        line(sdp, "a=group:BUNDLE " + OFFER_MID);
        line(sdp, "m=audio 9 " + Sdp.PROTOCOL + " " + OFFER_OPUS_PT);
        line(sdp, "c=IN IP4 0.0.0.0");
        line(sdp, "a=rtcp:9 IN IP4 0.0.0.0");
        ice(sdp, ice, Sdp.Setup.ACTPASS);
        line(sdp, "a=mid:" + OFFER_MID);
        line(sdp, "a=extmap:" + OFFER_AUDIO_LEVEL_ID + " " + Sdp.AUDIO_LEVEL_URI);
        line(sdp, "a=" + direction.token());
        line(sdp, "a=rtcp-mux");
        line(sdp, "a=rtcp-rsize");
        line(sdp, "a=rtpmap:" + OFFER_OPUS_PT + " opus/48000/2");
        line(sdp, "a=fmtp:" + OFFER_OPUS_PT + " " + OPUS_FMTP);
        if (direction == Sdp.Direction.SENDONLY) {
            source(sdp, source);
        } else if (source != null) {
            line(sdp, "a=ssrc:" + source.ssrc() + " cname:" + source.cname());
        }
        return sdp.toString();
    }

    /**
     * One m= section of the Java client's BUNDLE offer.
     *
     * @param mid       its {@code a=mid}
     * @param direction SENDONLY (a published stream) or RECVONLY (a played one)
     * @param source    the client's SSRC and CNAME (and, for SENDONLY, its msid)
     * @param stopped   true once its stream stopped: written with port 0, out of the BUNDLE group (its mid is not
     *                  reused)
     */
    public record OfferSection(String mid, Sdp.Direction direction, LocalSource source, boolean stopped) {
        public OfferSection {
            token("mid", mid);
            if (direction != Sdp.Direction.SENDONLY && direction != Sdp.Direction.RECVONLY) {
                throw new IllegalArgumentException("direction: " + direction + " (expected: SENDONLY or RECVONLY)");
            }
            if (source == null) {
                throw new IllegalArgumentException("source: null (expected: the client's SSRC and CNAME)");
            }
        }
    }

    /**
     * The Java client's offer for its one session transport (RFC 8843 BUNDLE): one audio section per stream it
     * publishes or plays, each as in {@link #offer} plus {@code sdes:mid} as extension id 2, all with the same ICE
     * credentials and fingerprint; stopped sections keep their place with port 0.
     */
    public static String bundleOffer(List<OfferSection> sections, LocalIce ice, long sessionId, long version) {
        if (sections.isEmpty()) {
            throw new IllegalArgumentException("sections: none (expected: at least one)");
        }
        StringBuilder sdp = new StringBuilder(1024 * sections.size());
        session(sdp, sessionId, version);
        StringBuilder group = new StringBuilder("a=group:BUNDLE");
        for (OfferSection s : sections) {
            if (!s.stopped()) {
                group.append(' ').append(s.mid());
            }
        }
        line(sdp, group.toString());
        for (OfferSection s : sections) {
            if (s.stopped()) {
                line(sdp, "m=audio 0 " + Sdp.PROTOCOL + " " + OFFER_OPUS_PT);
                line(sdp, "c=IN IP4 0.0.0.0");
                line(sdp, "a=mid:" + s.mid());
                line(sdp, "a=inactive");
                continue;
            }
            line(sdp, "m=audio 9 " + Sdp.PROTOCOL + " " + OFFER_OPUS_PT);
            line(sdp, "c=IN IP4 0.0.0.0");
            line(sdp, "a=rtcp:9 IN IP4 0.0.0.0");
            ice(sdp, ice, Sdp.Setup.ACTPASS);
            line(sdp, "a=mid:" + s.mid());
            line(sdp, "a=extmap:" + OFFER_AUDIO_LEVEL_ID + " " + Sdp.AUDIO_LEVEL_URI);
            line(sdp, "a=extmap:" + OFFER_MID_ID + " " + Sdp.MID_URI);
            line(sdp, "a=" + s.direction().token());
            line(sdp, "a=rtcp-mux");
            line(sdp, "a=rtcp-rsize");
            line(sdp, "a=rtpmap:" + OFFER_OPUS_PT + " opus/48000/2");
            line(sdp, "a=fmtp:" + OFFER_OPUS_PT + " " + OPUS_FMTP);
            if (s.direction() == Sdp.Direction.SENDONLY) {
                source(sdp, s.source());
            } else {
                line(sdp, "a=ssrc:" + s.source().ssrc() + " cname:" + s.source().cname());
            }
        }
        return sdp.toString();
    }

    private static void session(StringBuilder sdp, long sessionId, long version) {
        if (sessionId < 0) {
            throw new IllegalArgumentException("sessionId: " + sessionId + " (expected: >= 0)");
        }
        line(sdp, "v=0");
        line(sdp, "o=- " + sessionId + " " + version + " IN IP4 127.0.0.1");
        line(sdp, "s=-");
        line(sdp, "t=0 0");
    }

    private static void ice(StringBuilder sdp, LocalIce ice, Sdp.Setup setup) {
        line(sdp, "a=ice-ufrag:" + ice.ufrag());
        line(sdp, "a=ice-pwd:" + ice.pwd());
        line(sdp, ice.fingerprint().toString());
        line(sdp, "a=setup:" + setup.token());
    }

    private static void source(StringBuilder sdp, LocalSource source) {
        line(sdp, "a=msid:" + source.streamId() + " " + source.trackId());
        line(sdp, "a=ssrc:" + source.ssrc() + " cname:" + source.cname());
        line(sdp, "a=ssrc:" + source.ssrc() + " msid:" + source.streamId() + " " + source.trackId());
    }

    /** A bundled section that carries nothing for now: its port, the transport's parameters, a=inactive. */
    private static void inactive(StringBuilder sdp, MediaSection offered, LocalIce ice, List<IceCandidate> candidates,
            boolean withCandidate) {
        String hostAddress = candidates.get(0).address();
        int hostPort = candidates.get(0).port();
        line(sdp, "m=" + offered.kind() + " " + hostPort + " " + offered.protocol() + " " + String.join(" ", offered.formats()));
        line(sdp, "c=IN " + (hostAddress.contains(":") ? "IP6 " : "IP4 ") + hostAddress);
        line(sdp, "a=mid:" + offered.mid());
        ice(sdp, ice, Sdp.Setup.PASSIVE);
        line(sdp, "a=inactive");
        line(sdp, "a=rtcp-mux");
        for (Sdp.Rtpmap rtpmap : offered.rtpmaps()) {
            if (offered.formats().contains(Integer.toString(rtpmap.payloadType()))) {
                line(sdp, rtpmap.toString());
            }
        }
        if (withCandidate) {
            for (IceCandidate c : candidates) {
                line(sdp, "a=candidate:" + c.sdpValue());
            }
            line(sdp, "a=end-of-candidates");
        }
    }

    /** A section we do not take: same kind and formats, port 0 (RFC 3264 6), no longer bundled. */
    private static void rejected(StringBuilder sdp, MediaSection section) {
        line(sdp, "m=" + section.kind() + " 0 " + section.protocol() + " " + String.join(" ", section.formats()));
        line(sdp, "c=IN IP4 0.0.0.0");
        if (section.mid() != null) {
            line(sdp, "a=mid:" + section.mid());
        }
        line(sdp, "a=inactive");
    }

    private static void line(StringBuilder sdp, String line) {
        sdp.append(line).append(CRLF);
    }

    private static void token(String what, String value) {
        if (value == null || !TOKEN.matcher(value).matches()) {
            throw new IllegalArgumentException(what + ": \"" + value + "\" (expected: visible ASCII without spaces)");
        }
    }
}
