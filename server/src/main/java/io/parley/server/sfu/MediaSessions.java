package io.parley.server.sfu;

import io.parley.media.dtls.DtlsFingerprint;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpNegotiator;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media plane's entry points for signalling threads: negotiate an offer (pure, on the caller's thread),
 * then hand the new Producer or Consumer to the media loop.
 */
public final class MediaSessions {
    private static final String ICE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger log = LoggerFactory.getLogger(MediaSessions.class);

    /**
     * A publisher may also stamp the transport-wide sequence number: the server answers it (with {@code a=rtcp-fb
     * transport-cc} when offered) and sends TWCC feedback. Players are not offered it: the server runs no bandwidth
     * estimation toward them, so their packets carry no transport-wide numbers (the publisher's are dropped).
     */
    static final Set<String> PUBLISH_EXTENSIONS = publishExtensions();

    private final MediaPlane plane;
    private final Sdp.Fingerprint fingerprint;

    public MediaSessions(MediaPlane plane) {
        this.plane = plane;
        DtlsFingerprint fp = plane.certificate().fingerprint();
        String[] parts = fp.toSdp().split(" ", 2);
        this.fingerprint = new Sdp.Fingerprint(parts[0], parts[1]);
    }

    /** A stream announced without media: players may attach and wait. */
    public Producer announce(String streamId, MediaObserver observer) {
        Producer p = new Producer(plane, streamId, observer, null, -1, randomSsrc());
        plane.execute(() -> plane.track(p));
        return p;
    }

    /** Negotiates a publisher's offer; the answer is {@link Producer#answer()}. Throws 1103001 if refused. */
    public Producer publish(String streamId, String offerSdp, MediaObserver observer) {
        Negotiated n = negotiate(offerSdp, SdpNegotiator.Purpose.PUBLISH, PUBLISH_EXTENSIONS,
                ErrorCode.PUBLISH_SDP_REFUSED);
        warn(n, "publisher", observer);
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce(random(8), random(24), fingerprint);
        String answer = SdpWriter.answer(n.offer, n.accepted, ice, plane.candidates(), null, sessionId());
        long expectedSsrc = n.accepted.remoteSsrc().isPresent() ? n.accepted.remoteSsrc().getAsLong() : -1;
        Producer p = new Producer(plane, streamId, observer, answer, expectedSsrc, randomSsrc(), n.accepted.extensions(),
                n.accepted.payloadType(), n.accepted.redPayloadType());
        WebRtcTransport t = new WebRtcTransport(plane, ice.ufrag(), ice.pwd(), dtlsFingerprint(n.accepted), p,
                plane.clock().nanoTime());
        p.transport = t;
        Integer transportCc = n.accepted.extensions().get(Sdp.TRANSPORT_CC_URI);
        if (transportCc != null) {
            t.transportCc = new TransportCcFeedback(transportCc, p.serverSsrc);
            t.reducedSizeRtcp = n.accepted.rtcpRsize();
        }
        plane.execute(() -> {
            plane.track(p);
            plane.register(t);
        });
        return p;
    }

    /** Negotiates a player's offer for a Producer; the answer is {@link Consumer#answer()}. Throws 1104001. */
    public Consumer play(Producer producer, String offerSdp, MediaObserver observer) {
        Negotiated n = negotiate(offerSdp, SdpNegotiator.Purpose.PLAY, SdpNegotiator.DEFAULT_EXTENSIONS,
                ErrorCode.PLAY_SDP_REFUSED);
        warn(n, "player", observer);
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce(random(8), random(24), fingerprint);
        long ssrc = randomSsrc();
        String cname = random(16);
        SdpWriter.LocalSource source = new SdpWriter.LocalSource(ssrc, cname, producer.streamId, "audio-" + random(8));
        String answer = SdpWriter.answer(n.offer, n.accepted, ice, plane.candidates(), source, sessionId());
        HeaderExtensionMap extensions = HeaderExtensionMap.of(producer.extensions, n.accepted.extensions(), n.accepted.mid());
        Consumer c = new Consumer(plane, producer, observer, answer, ssrc, cname, n.accepted.payloadType(), extensions,
                n.accepted.redPayloadType());
        WebRtcTransport t = new WebRtcTransport(plane, ice.ufrag(), ice.pwd(), dtlsFingerprint(n.accepted), c,
                plane.clock().nanoTime());
        c.transport = t;
        plane.execute(() -> {
            plane.track(c);
            plane.register(t);
            producer.attach(c);
        });
        return c;
    }

    public void close(Producer p) {
        plane.close(p);
    }

    public void close(Consumer c) {
        plane.close(c);
    }

    private record Negotiated(SessionDescription offer, SdpNegotiator.Accepted accepted) {}

    private static Set<String> publishExtensions() {
        Set<String> uris = new HashSet<>(SdpNegotiator.DEFAULT_EXTENSIONS);
        uris.add(Sdp.TRANSPORT_CC_URI);
        return Set.copyOf(uris);
    }

    private static Negotiated negotiate(String sdp, SdpNegotiator.Purpose purpose, Set<String> extensions, int code) {
        SessionDescription offer;
        try {
            offer = SessionDescription.parse(sdp);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(code, "sdp: " + e.getMessage());
        }
        SdpNegotiator.Result r = SdpNegotiator.negotiate(offer, purpose, extensions);
        if (r instanceof SdpNegotiator.Rejected rej) {
            throw new ProtocolException(code, "sdp refused (" + rej.failure() + "): " + rej.message());
        }
        return new Negotiated(offer, (SdpNegotiator.Accepted) r);
    }

    private static void warn(Negotiated n, String role, MediaObserver observer) {
        for (String warning : n.accepted.warnings()) {
            log.warn("{} {}: offer accepted despite: {}", role, observer.who(), warning);
        }
    }

    private static DtlsFingerprint dtlsFingerprint(SdpNegotiator.Accepted a) {
        return DtlsFingerprint.parse(a.fingerprint().algorithm() + " " + a.fingerprint().value());
    }

    private static String random(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(ICE_CHARS.charAt(RANDOM.nextInt(ICE_CHARS.length())));
        }
        return b.toString();
    }

    static long randomSsrc() {
        return (RANDOM.nextInt() & 0xFFFFFFFFL) | 1;
    }

    private static long sessionId() {
        return RANDOM.nextLong() & Long.MAX_VALUE;
    }
}
