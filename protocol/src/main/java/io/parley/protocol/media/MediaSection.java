package io.parley.protocol.media;

import io.parley.protocol.media.Sdp.Attribute;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * One {@code m=} section of a parsed SDP. Keeps every attribute in order (so nothing an offer says
 * is lost) and reads the typed ones on demand; {@link SessionDescription#parse} has already
 * checked that those parse.
 *
 * @param kind       {@code audio}, {@code video}, {@code application}, ...
 * @param port       0 for a rejected or disabled section
 * @param formats    the payload types (or other format tokens) listed on the m= line
 * @param connection the value of the section's {@code c=} line, or null
 * @param otherLines any other non-attribute line ({@code b=}, {@code i=}, ...), as written
 */
public record MediaSection(String kind, int port, String protocol, List<String> formats, String connection,
        List<Attribute> attributes, List<String> otherLines) {

    public MediaSection {
        formats = List.copyOf(formats);
        attributes = List.copyOf(attributes);
        otherLines = List.copyOf(otherLines);
    }

    /** The value of the first attribute called {@code name} (trimmed), or null. */
    public String attribute(String name) {
        for (Attribute a : attributes) {
            if (a.name().equals(name)) {
                return a.value() == null ? "" : a.value().trim();
            }
        }
        return null;
    }

    /** The values of every attribute called {@code name}, in order. */
    public List<String> attributes(String name) {
        List<String> values = new ArrayList<>();
        for (Attribute a : attributes) {
            if (a.name().equals(name)) {
                values.add(a.value() == null ? "" : a.value());
            }
        }
        return values;
    }

    public boolean hasAttribute(String name) {
        return attribute(name) != null;
    }

    public String mid() {
        return attribute("mid");
    }

    /** The last direction attribute; sendrecv when there is none (RFC 8866 6.7). */
    public Sdp.Direction direction() {
        Sdp.Direction direction = Sdp.Direction.SENDRECV;
        for (Attribute a : attributes) {
            Sdp.Direction d = a.value() == null ? Sdp.Direction.ofToken(a.name()) : null;
            if (d != null) {
                direction = d;
            }
        }
        return direction;
    }

    public String iceUfrag() {
        return attribute("ice-ufrag");
    }

    public String icePwd() {
        return attribute("ice-pwd");
    }

    /** The {@code a=ice-options} tokens, e.g. {@code trickle}. */
    public List<String> iceOptions() {
        String options = attribute("ice-options");
        return options == null || options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
    }

    public Sdp.Fingerprint fingerprint() {
        String value = attribute("fingerprint");
        return value == null ? null : Sdp.Fingerprint.parse(value);
    }

    public Sdp.Setup setup() {
        String value = attribute("setup");
        return value == null ? null : Sdp.Setup.parse(value);
    }

    public boolean rtcpMux() {
        return hasAttribute("rtcp-mux");
    }

    public boolean rtcpRsize() {
        return hasAttribute("rtcp-rsize");
    }

    public List<Sdp.Rtpmap> rtpmaps() {
        return attributes("rtpmap").stream().map(Sdp.Rtpmap::parse).toList();
    }

    /** The format parameters of payload type {@code pt}, e.g. {@code minptime=10;useinbandfec=1}, or null. */
    public String fmtp(int pt) {
        return valueForPayloadType("fmtp", pt);
    }

    /** The {@code a=rtcp-fb} values for {@code pt} and for {@code *}, e.g. {@code transport-cc}, {@code nack pli}. */
    public List<String> rtcpFeedback(int pt) {
        List<String> values = new ArrayList<>();
        for (String value : attributes("rtcp-fb")) {
            String[] parts = value.trim().split("\\s+", 2);
            if (parts.length == 2 && (parts[0].equals("*") || parts[0].equals(Integer.toString(pt)))) {
                values.add(parts[1]);
            }
        }
        return values;
    }

    public List<Sdp.Extmap> extmaps() {
        return attributes("extmap").stream().map(Sdp.Extmap::parse).toList();
    }

    public List<Sdp.SsrcAttribute> ssrcs() {
        return attributes("ssrc").stream().map(Sdp.SsrcAttribute::parse).toList();
    }

    /** The SSRC of the first {@code a=ssrc} line: the source this section sends. */
    public OptionalLong firstSsrc() {
        List<Sdp.SsrcAttribute> ssrcs = ssrcs();
        return ssrcs.isEmpty() ? OptionalLong.empty() : OptionalLong.of(ssrcs.get(0).ssrc());
    }

    /** The CNAME given for the first SSRC, or null. */
    public String cname() {
        List<Sdp.SsrcAttribute> ssrcs = ssrcs();
        for (Sdp.SsrcAttribute s : ssrcs) {
            if (s.ssrc() == ssrcs.get(0).ssrc() && s.name().equals("cname")) {
                return s.value();
            }
        }
        return null;
    }

    /** {@code a=msid:<stream id> [<track id>]}, as written, or null. */
    public String msid() {
        return attribute("msid");
    }

    public List<Sdp.Candidate> candidates() {
        return attributes("candidate").stream().map(Sdp.Candidate::parse).toList();
    }

    public boolean endOfCandidates() {
        return hasAttribute("end-of-candidates");
    }

    /** Parses every typed attribute once, so a malformed one is reported when the SDP is read. */
    void validate() {
        fingerprint();
        setup();
        rtpmaps();
        extmaps();
        ssrcs();
        candidates();
        for (String fmtp : attributes("fmtp")) {
            Sdp.payloadType(fmtp.trim().split("\\s+", 2)[0], "a=fmtp:" + fmtp);
        }
    }

    private String valueForPayloadType(String name, int pt) {
        for (String value : attributes(name)) {
            String[] parts = value.trim().split("\\s+", 2);
            if (parts[0].equals(Integer.toString(pt))) {
                return parts.length == 2 ? parts[1] : "";
            }
        }
        return null;
    }
}
