package io.parley.protocol.media;

import java.util.Locale;

/**
 * The small typed values of the WebRTC audio SDP subset (RFC 8866, 8829), shared by the parser
 * ({@link SessionDescription}), {@link SdpNegotiator} and {@link SdpWriter}. Parsing a malformed
 * value throws {@link IllegalArgumentException} naming the attribute and what was expected.
 */
public final class Sdp {

    public static final String PROTOCOL = "UDP/TLS/RTP/SAVPF";
    public static final String AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    public static final String MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid";
    /** The transport-wide sequence number of draft-holmer-rmcat-transport-wide-cc-extensions-01 (TWCC). */
    public static final String TRANSPORT_CC_URI =
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    /** The {@code a=rtcp-fb} value asking for transport-cc feedback. */
    public static final String TRANSPORT_CC_FEEDBACK = "transport-cc";
    public static final String OPUS = "opus";
    /** RFC 2198 redundant audio; for Opus in WebRTC, {@code red/48000/2} with fmtp {@code <opus pt>/<opus pt>}. */
    public static final String RED = "red";
    public static final int OPUS_CLOCK_RATE = 48_000;
    public static final int OPUS_CHANNELS = 2;

    private Sdp() {
    }

    /** Media direction (RFC 8866 6.7), from the point of view of the side that wrote the SDP. */
    public enum Direction {
        SENDRECV, SENDONLY, RECVONLY, INACTIVE;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** What the other side says for the same media: sendonly answers recvonly. */
        public Direction reverse() {
            return this == SENDONLY ? RECVONLY : this == RECVONLY ? SENDONLY : this;
        }

        /** The direction for an attribute name, or null if the name is not a direction. */
        public static Direction ofToken(String token) {
            for (Direction d : values()) {
                if (d.token().equals(token)) {
                    return d;
                }
            }
            return null;
        }
    }

    /** DTLS role (RFC 4145, 5763): the offerer says actpass, the answerer picks active or passive. */
    public enum Setup {
        ACTPASS, ACTIVE, PASSIVE, HOLDCONN;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Setup parse(String token) {
            for (Setup s : values()) {
                if (s.token().equals(token.trim())) {
                    return s;
                }
            }
            throw new IllegalArgumentException("a=setup:" + token + " (expected: actpass, active, passive or holdconn)");
        }
    }

    /** One {@code a=} line; {@code value} is null for a property attribute such as {@code a=rtcp-mux}. */
    public record Attribute(String name, String value) {

        static Attribute parse(String text) {
            int colon = text.indexOf(':');
            return colon < 0 ? new Attribute(text, null) : new Attribute(text.substring(0, colon), text.substring(colon + 1));
        }

        @Override
        public String toString() {
            return value == null ? "a=" + name : "a=" + name + ":" + value;
        }
    }

    /**
     * {@code a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]}; channels default to 1.
     *
     * @param channelsOmitted the line gave no channel count (GStreamer writes {@code opus/48000})
     */
    public record Rtpmap(int payloadType, String encoding, int clockRate, int channels, boolean channelsOmitted) {

        public Rtpmap(int payloadType, String encoding, int clockRate, int channels) {
            this(payloadType, encoding, clockRate, channels, false);
        }

        static Rtpmap parse(String value) {
            String[] parts = value.trim().split("\\s+", 2);
            String[] codec = parts.length == 2 ? parts[1].split("/") : new String[0];
            if (codec.length < 2 || codec.length > 3) {
                throw new IllegalArgumentException("a=rtpmap:" + value
                        + " (expected: <payload type> <encoding>/<clock rate>[/<channels>])");
            }
            return new Rtpmap(Sdp.payloadType(parts[0], "a=rtpmap:" + value), codec[0],
                    integer(codec[1], "clock rate in a=rtpmap:" + value),
                    codec.length == 3 ? integer(codec[2], "channels in a=rtpmap:" + value) : 1, codec.length == 2);
        }

        /** {@code opus/48000/2}, as RFC 7587 requires. */
        public boolean isOpus() {
            return encoding.equalsIgnoreCase(OPUS) && clockRate == OPUS_CLOCK_RATE && channels == OPUS_CHANNELS;
        }

        /** {@code opus/48000} with no channel count: not RFC 7587, but what GStreamer writes by default. */
        public boolean isOpusWithoutChannels() {
            return encoding.equalsIgnoreCase(OPUS) && clockRate == OPUS_CLOCK_RATE && channelsOmitted;
        }

        @Override
        public String toString() {
            return "a=rtpmap:" + payloadType + " " + encoding + "/" + clockRate + (channels != 1 ? "/" + channels : "");
        }
    }

    /**
     * {@code a=extmap:<id>[/<direction>] <uri> [<attributes>]} (RFC 8285 5).
     *
     * @param direction null when the line names none
     * @param attributes extension attributes, or null
     */
    public record Extmap(int id, Direction direction, String uri, String attributes) {

        static Extmap parse(String value) {
            String[] parts = value.trim().split("\\s+", 3);
            if (parts.length < 2) {
                throw new IllegalArgumentException("a=extmap:" + value + " (expected: <id>[/<direction>] <uri>)");
            }
            int slash = parts[0].indexOf('/');
            Direction direction = null;
            if (slash >= 0) {
                direction = Direction.ofToken(parts[0].substring(slash + 1));
                if (direction == null) {
                    throw new IllegalArgumentException("a=extmap:" + value
                            + " (expected: direction sendonly, recvonly, sendrecv or inactive)");
                }
            }
            int id = integer(slash >= 0 ? parts[0].substring(0, slash) : parts[0], "id in a=extmap:" + value);
            if (id < 1 || id > 4351) {
                throw new IllegalArgumentException("a=extmap:" + value + " id " + id + " (expected: 1..4351)");
            }
            return new Extmap(id, direction, parts[1], parts.length == 3 ? parts[2] : null);
        }

        @Override
        public String toString() {
            return "a=extmap:" + id + (direction != null ? "/" + direction.token() : "") + " " + uri
                    + (attributes != null ? " " + attributes : "");
        }
    }

    /** {@code a=fingerprint:<hash function> <hex pairs separated by colons>} (RFC 8122). */
    public record Fingerprint(String algorithm, String value) {

        public Fingerprint {
            if (!algorithm.matches("[A-Za-z0-9-]+") || !value.matches("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+")) {
                throw new IllegalArgumentException("a=fingerprint:" + algorithm + " " + value
                        + " (expected: <hash function> <hex bytes separated by colons>)");
            }
        }

        static Fingerprint parse(String value) {
            String[] parts = value.trim().split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException("a=fingerprint:" + value + " (expected: <hash function> <value>)");
            }
            return new Fingerprint(parts[0], parts[1]);
        }

        @Override
        public String toString() {
            return "a=fingerprint:" + algorithm + " " + value;
        }
    }

    /** {@code a=ssrc:<ssrc> <attribute>[:<value>]} (RFC 5576), e.g. {@code cname} or {@code msid}. */
    public record SsrcAttribute(long ssrc, String name, String value) {

        static SsrcAttribute parse(String line) {
            String[] parts = line.trim().split("\\s+", 2);
            long ssrc;
            try {
                ssrc = Long.parseLong(parts[0]);
            } catch (NumberFormatException e) {
                ssrc = -1;
            }
            if (parts.length < 2 || ssrc < 0 || ssrc > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("a=ssrc:" + line + " (expected: <0..4294967295> <attribute>[:<value>])");
            }
            Attribute attribute = Attribute.parse(parts[1]);
            return new SsrcAttribute(ssrc, attribute.name(), attribute.value());
        }
    }

    /** {@code a=candidate:} (RFC 8839 5.1), the fields a client needs to reach the server. */
    public record Candidate(String foundation, int component, String transport, long priority, String address,
            int port, String type) {

        static Candidate parse(String value) {
            String[] p = value.trim().split("\\s+");
            if (p.length < 8 || !p[6].equals("typ")) {
                throw new IllegalArgumentException("a=candidate:" + value
                        + " (expected: <foundation> <component> <transport> <priority> <address> <port> typ <type>)");
            }
            long priority;
            try {
                priority = Long.parseLong(p[3]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("priority in a=candidate:" + value + " (expected: a number)", e);
            }
            return new Candidate(p[0], integer(p[1], "component in a=candidate:" + value), p[2], priority, p[4],
                    integer(p[5], "port in a=candidate:" + value), p[7]);
        }
    }

    static int payloadType(String text, String context) {
        int pt = integer(text, "payload type in " + context);
        if (pt < 0 || pt > 127) {
            throw new IllegalArgumentException("payload type " + pt + " in " + context + " (expected: 0..127)");
        }
        return pt;
    }

    static int integer(String text, String what) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": \"" + text + "\" (expected: a number)", e);
        }
    }
}
