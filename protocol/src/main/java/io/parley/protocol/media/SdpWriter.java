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
        session(sdp, sessionId);
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
            int pt = accepted.payloadType();
            int red = accepted.redPayloadType();
            String formats = red < 0 ? Integer.toString(pt) : accepted.redFirst() ? red + " " + pt : pt + " " + red;
            line(sdp, "m=audio " + hostPort + " " + media.get(i).protocol() + " " + formats);
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
                    && media.get(i).rtcpFeedback(pt).contains(Sdp.TRANSPORT_CC_FEEDBACK)) {
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
            for (IceCandidate c : candidates) {
                line(sdp, "a=candidate:" + c.sdpValue());
            }
            line(sdp, "a=end-of-candidates");
        }
        return sdp.toString();
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
        session(sdp, sessionId);
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

    private static void session(StringBuilder sdp, long sessionId) {
        if (sessionId < 0) {
            throw new IllegalArgumentException("sessionId: " + sessionId + " (expected: >= 0)");
        }
        line(sdp, "v=0");
        line(sdp, "o=- " + sessionId + " 2 IN IP4 127.0.0.1");
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
