package io.parley.protocol.media;

import io.parley.protocol.media.Sdp.Attribute;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed SDP (RFC 8866): session-level lines and the media sections. Lines this model has no
 * field for are kept as written, so an offer from any browser parses as long as its structure is
 * sound.
 *
 * @param origin      the value of {@code o=}
 * @param sessionName the value of {@code s=}
 * @param attributes  session-level {@code a=} lines in order
 * @param otherLines  other session-level lines ({@code t=}, {@code c=}, {@code b=}, ...), as written
 */
public record SessionDescription(String origin, String sessionName, List<Attribute> attributes,
        List<String> otherLines, List<MediaSection> media) {

    /** Offers are a few kilobytes; this bounds the work an oversized one can cause. */
    public static final int MAX_SDP_CHARS = 64 * 1024;

    public SessionDescription {
        attributes = List.copyOf(attributes);
        otherLines = List.copyOf(otherLines);
        media = List.copyOf(media);
    }

    /**
     * Parses an SDP with CRLF or LF line endings.
     *
     * @throws IllegalArgumentException naming the line and what was expected
     */
    public static SessionDescription parse(String sdp) {
        if (sdp == null || sdp.isBlank()) {
            throw new IllegalArgumentException("SDP: empty (expected: v=0 first)");
        }
        if (sdp.length() > MAX_SDP_CHARS) {
            throw new IllegalArgumentException("SDP: " + sdp.length() + " chars (expected: <= " + MAX_SDP_CHARS + ")");
        }
        String[] lines = sdp.split("\r?\n");
        String origin = null;
        String sessionName = null;
        List<Attribute> attributes = new ArrayList<>();
        List<String> otherLines = new ArrayList<>();
        List<MediaSection> media = new ArrayList<>();
        MediaBuilder current = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            if (line.length() < 2 || line.charAt(1) != '=' || line.charAt(0) < 'a' || line.charAt(0) > 'z') {
                throw new IllegalArgumentException("SDP line " + (i + 1) + ": \"" + abbreviate(line)
                        + "\" (expected: <letter>=<value>)");
            }
            for (int c = 0; c < line.length(); c++) {
                if (line.charAt(c) < 0x20 && line.charAt(c) != '\t') {
                    // A stray CR would become a line break when a value is copied into the answer.
                    throw new IllegalArgumentException("SDP line " + (i + 1) + ": control character 0x"
                            + Integer.toHexString(line.charAt(c)) + " (expected: printable text)");
                }
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            if (i == 0 && !line.equals("v=0")) {
                throw new IllegalArgumentException("SDP line 1: \"" + abbreviate(line) + "\" (expected: v=0)");
            }
            if (type == 'm') {
                if (current != null) {
                    media.add(current.build());
                }
                current = new MediaBuilder(value, i + 1);
            } else if (current != null) {
                current.add(type, value, line);
            } else if (type == 'o') {
                origin = value;
            } else if (type == 's') {
                sessionName = value;
            } else if (type == 'a') {
                attributes.add(Attribute.parse(value));
            } else if (type != 'v') {
                otherLines.add(line);
            }
        }
        if (current != null) {
            media.add(current.build());
        }
        if (origin == null) {
            throw new IllegalArgumentException("SDP: no o= line (expected: o=<user> <session id> <version> IN IP4 <address>)");
        }
        SessionDescription description = new SessionDescription(origin, sessionName == null ? "-" : sessionName,
                attributes, otherLines, media);
        description.fingerprint();
        description.setup();
        for (MediaSection section : media) {
            section.validate();
        }
        return description;
    }

    /** The value of the first session-level attribute called {@code name} (trimmed), or null. */
    public String attribute(String name) {
        for (Attribute a : attributes) {
            if (a.name().equals(name)) {
                return a.value() == null ? "" : a.value().trim();
            }
        }
        return null;
    }

    public boolean hasAttribute(String name) {
        return attribute(name) != null;
    }

    public boolean iceLite() {
        return hasAttribute("ice-lite");
    }

    /** The mids of {@code a=group:BUNDLE}, empty when there is no such group. */
    public List<String> bundleMids() {
        for (Attribute a : attributes) {
            if (a.name().equals("group") && a.value() != null) {
                String[] parts = a.value().trim().split("\\s+");
                if (parts[0].equals("BUNDLE")) {
                    return List.of(parts).subList(1, parts.length);
                }
            }
        }
        return List.of();
    }

    /** Session-level ICE ufrag (Firefox and some stacks put it here rather than in the section). */
    public String iceUfrag() {
        return attribute("ice-ufrag");
    }

    public String icePwd() {
        return attribute("ice-pwd");
    }

    public Sdp.Fingerprint fingerprint() {
        String value = attribute("fingerprint");
        return value == null ? null : Sdp.Fingerprint.parse(value);
    }

    public Sdp.Setup setup() {
        String value = attribute("setup");
        return value == null ? null : Sdp.Setup.parse(value);
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }

    /** Collects one m= section's lines. */
    private static final class MediaBuilder {
        final String kind;
        final int port;
        final String protocol;
        final List<String> formats;
        String connection;
        final List<Attribute> attributes = new ArrayList<>();
        final List<String> otherLines = new ArrayList<>();

        MediaBuilder(String mLine, int lineNumber) {
            String[] parts = mLine.trim().split("\\s+");
            if (parts.length < 4) {
                throw new IllegalArgumentException("SDP line " + lineNumber + ": \"m=" + abbreviate(mLine)
                        + "\" (expected: m=<media> <port> <proto> <fmt> ...)");
            }
            kind = parts[0];
            String portText = parts[1].contains("/") ? parts[1].substring(0, parts[1].indexOf('/')) : parts[1];
            port = Sdp.integer(portText, "port on SDP line " + lineNumber);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("SDP line " + lineNumber + ": port " + port + " (expected: 0..65535)");
            }
            protocol = parts[2];
            formats = List.of(parts).subList(3, parts.length);
        }

        void add(char type, String value, String line) {
            if (type == 'a') {
                attributes.add(Attribute.parse(value));
            } else if (type == 'c') {
                connection = value;
            } else {
                otherLines.add(line);
            }
        }

        MediaSection build() {
            return new MediaSection(kind, port, protocol, formats, connection, attributes, otherLines);
        }
    }
}
