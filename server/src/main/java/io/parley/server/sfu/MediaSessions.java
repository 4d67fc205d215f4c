package io.parley.server.sfu;

import io.parley.media.dtls.DtlsFingerprint;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.ProtocolException;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpNegotiator;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import io.parley.protocol.media.MediaSection;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media plane's entry points for signalling threads: negotiate an offer (pure, on the caller's thread),
 * then hand the new Producer or Consumer to its media loop. A room holds one loop ({@link #place()}) and passes it
 * here, so its streams (and the players of them, which follow their Producer) share that loop; a client's bundled
 * transport goes on the loop of the room of its first stream.
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

    /** The media loop for a new room: the least loaded (see {@link MediaPlane#place()}). Any thread. */
    public MediaLoop place() {
        return plane.place();
    }

    /** A stream announced without media: players may attach and wait. On a loop of {@link #place()}'s choice. */
    public Producer announce(String streamId, MediaObserver observer) {
        return announce(null, streamId, observer);
    }

    /** A stream announced without media, on {@code where} (null: {@link #place()}). */
    public Producer announce(MediaLoop where, String streamId, MediaObserver observer) {
        MediaLoop loop = where != null ? where : place();
        Producer p = new Producer(loop, streamId, observer, null, -1, randomSsrc());
        loop.execute(() -> loop.track(p));
        return p;
    }

    /** As {@link #publish(MediaLoop, String, String, MediaObserver)} on a loop of {@link #place()}'s choice. */
    public Producer publish(String streamId, String offerSdp, MediaObserver observer) {
        return publish(null, streamId, offerSdp, observer);
    }

    /**
     * Negotiates a publisher's offer; the Producer and its transport live on {@code where} (null: {@link #place()}).
     * The answer is {@link Producer#answer()}. Throws 1103001 if refused.
     */
    public Producer publish(MediaLoop where, String streamId, String offerSdp, MediaObserver observer) {
        MediaLoop loop = where != null ? where : place();
        Negotiated n = negotiate(offerSdp, SdpNegotiator.Purpose.PUBLISH, PUBLISH_EXTENSIONS,
                ErrorCode.PUBLISH_SDP_REFUSED);
        warn(n, "publisher", observer);
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce(random(8), random(24), fingerprint);
        String answer = SdpWriter.answer(n.offer, n.accepted, ice, plane.candidates(), null, sessionId());
        long expectedSsrc = n.accepted.remoteSsrc().isPresent() ? n.accepted.remoteSsrc().getAsLong() : -1;
        Producer p = new Producer(loop, streamId, observer, answer, expectedSsrc, randomSsrc(), n.accepted.extensions(),
                n.accepted.payloadType(), n.accepted.redPayloadType());
        WebRtcTransport t = new WebRtcTransport(plane, ice.ufrag(), ice.pwd(), dtlsFingerprint(n.accepted), p,
                plane.clock().nanoTime());
        p.transport = t;
        Integer transportCc = n.accepted.extensions().get(Sdp.TRANSPORT_CC_URI);
        if (transportCc != null) {
            t.transportCc = new TransportCcFeedback(transportCc, p.serverSsrc);
            t.reducedSizeRtcp = n.accepted.rtcpRsize();
        }
        plane.announce(t);
        loop.execute(() -> {
            loop.track(p);
            plane.register(t);
        });
        return p;
    }

    /**
     * Negotiates a player's offer for a Producer; the Consumer and its transport live on the Producer's loop, so
     * forwarding to it stays on one loop. The answer is {@link Consumer#answer()}. Throws 1104001.
     */
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
        MediaLoop loop = c.shard;
        plane.announce(t);
        loop.execute(() -> {
            loop.track(c);
            plane.register(t);
            c.attachToProducer();
        });
        return c;
    }

    // ---- one transport per session (BUNDLE) ----

    /**
     * Publishes {@code streamId} on the session's bundled transport: {@code offerSdp} is the client's whole session
     * description and {@code mid} its new section. Opens the transport at the first bundled stream (or when the
     * client's previous one is closed or idle with other ICE credentials). The answer is {@link Producer#answer()}.
     * Throws 1103001 when refused; nothing changes then.
     */
    public Producer publishBundled(AtomicReference<SessionTransport> holder, String streamId, String offerSdp, String mid,
                                   MediaObserver observer) {
        return publishBundled(null, holder, streamId, offerSdp, mid, observer);
    }

    /** As above; a new session transport goes on {@code where} (null: {@link #place()}). */
    public Producer publishBundled(MediaLoop where, AtomicReference<SessionTransport> holder, String streamId,
                                   String offerSdp, String mid, MediaObserver observer) {
        synchronized (holder) {
            SessionDescription offer = parse(offerSdp, ErrorCode.PUBLISH_SDP_REFUSED);
            SessionTransport st = transportFor(where, holder, offer, mid, observer, ErrorCode.PUBLISH_SDP_REFUSED);
            SessionTransport.Plan plan = plan(st, offer, mid, SdpNegotiator.Purpose.PUBLISH, null,
                    ErrorCode.PUBLISH_SDP_REFUSED);
            commit(holder, st);
            SdpNegotiator.Accepted a = plan.added();
            warn(a, "publisher", observer);
            String answer = st.answer(plan, plan.sections());
            long expectedSsrc = a.remoteSsrc().isPresent() ? a.remoteSsrc().getAsLong() : -1;
            Producer p = new Producer(st.shard, streamId, observer, answer, expectedSsrc, randomSsrc(), a.extensions(),
                    a.payloadType(), a.redPayloadType());
            p.transport = st.transport;
            st.shard.execute(() -> st.shard.track(p));
            st.bind(new SessionTransport.Slot(mid, SessionTransport.Role.PUBLISH, streamId, a, null), p);
            Integer transportCc = a.extensions().get(Sdp.TRANSPORT_CC_URI);
            if (transportCc != null) {
                // Transport-wide numbers span every m= section of the bundle: one feedback per transport, started by
                // its first publisher that negotiated them (the others use the same id, checked by the plan).
                WebRtcTransport t = st.transport;
                long feedbackSsrc = p.serverSsrc;
                boolean rsize = a.rtcpRsize();
                st.shard.execute(() -> {
                    if (t.transportCc == null) {
                        t.transportCc = new TransportCcFeedback(transportCc, feedbackSsrc);
                        t.reducedSizeRtcp = rsize;
                    }
                });
            }
            return p;
        }
    }

    /** Plays {@code producer} on the session's bundled transport, as {@link #publishBundled}; throws 1104001. */
    public Consumer playBundled(AtomicReference<SessionTransport> holder, Producer producer, String offerSdp, String mid,
                                MediaObserver observer) {
        return playBundled(null, holder, producer, offerSdp, mid, observer);
    }

    /**
     * As above; a new session transport goes on {@code where} (null: the Producer's loop). The Consumer lives on the
     * transport's loop; a Producer on another loop hands its packets over through a {@link Relay}.
     */
    public Consumer playBundled(MediaLoop where, AtomicReference<SessionTransport> holder, Producer producer,
                                String offerSdp, String mid, MediaObserver observer) {
        synchronized (holder) {
            SessionDescription offer = parse(offerSdp, ErrorCode.PLAY_SDP_REFUSED);
            SessionTransport st = transportFor(where != null ? where : producer.shard, holder, offer, mid, observer,
                    ErrorCode.PLAY_SDP_REFUSED);
            SessionTransport.Plan plan = plan(st, offer, mid, SdpNegotiator.Purpose.PLAY, null,
                    ErrorCode.PLAY_SDP_REFUSED);
            commit(holder, st);
            SdpNegotiator.Accepted a = plan.added();
            warn(a, "player", observer);
            long ssrc = randomSsrc();
            String cname = random(16);
            SdpWriter.LocalSource source = new SdpWriter.LocalSource(ssrc, cname, producer.streamId, "audio-" + random(8));
            List<SdpWriter.BundleSection> sections = new ArrayList<>(plan.sections());
            sections.replaceAll(s -> s.accepted() == a ? new SdpWriter.BundleSection(a, source) : s);
            String answer = st.answer(plan, sections);
            HeaderExtensionMap extensions = HeaderExtensionMap.of(producer.extensions, a.extensions(), a.mid());
            Consumer c = new Consumer(st.shard, producer, observer, answer, ssrc, cname, a.payloadType(), extensions,
                    a.redPayloadType());
            c.transport = st.transport;
            st.shard.execute(() -> {
                st.shard.track(c);
                c.attachToProducer();
            });
            st.bind(new SessionTransport.Slot(mid, SessionTransport.Role.PLAY, producer.streamId, a, source), c);
            return c;
        }
    }

    /**
     * The answer to an offer that removes {@code stopping}'s section (port 0 or inactive, or still offered: it is
     * answered with port 0 either way), for a stopPublishing / stopPlaying that carries the renegotiated offer.
     * Call it before closing the endpoint; throws {@code code} when the offer is refused (then nothing changes).
     */
    public String answerStop(AtomicReference<SessionTransport> holder, String offerSdp, Object stopping, int code) {
        synchronized (holder) {
            SessionTransport st = holder.get();
            if (!(stopping instanceof MediaEndpoint e) || st == null || e.bundle != st) {
                throw new ProtocolException(ErrorCode.PARAMETER_ERROR, "sdp: only for a stream on the session "
                        + "transport (one started with a mid)");
            }
            SessionDescription offer = parse(offerSdp, code);
            SessionTransport.Plan plan = plan(st, offer, null, null, e, code);
            return st.answer(plan, plan.sections());
        }
    }

    /** Whether the endpoint (a Producer or Consumer) rides on a session transport. */
    public static boolean isBundled(Object endpoint) {
        return endpoint instanceof MediaEndpoint e && e.bundle != null;
    }

    /** Closes the session's transport, if it has one (the session left its room). */
    public void closeSessionTransport(AtomicReference<SessionTransport> holder) {
        synchronized (holder) {
            SessionTransport st = holder.getAndSet(null);
            if (st != null) {
                st.close();
            }
        }
    }

    private SessionTransport transportFor(MediaLoop where, AtomicReference<SessionTransport> holder,
                                          SessionDescription offer, String mid, MediaObserver observer, int code) {
        SessionTransport st = holder.get();
        int index = -1;
        for (int i = 0; i < offer.media().size(); i++) {
            if (mid.equals(offer.media().get(i).mid())) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            throw new ProtocolException(code, "sdp refused: the offer has no m= section with a=mid:" + mid);
        }
        MediaSection section = offer.media().get(index);
        String ufrag = section.iceUfrag() != null ? section.iceUfrag() : offer.iceUfrag();
        if (st != null && !st.isClosed() && (ufrag == null || ufrag.equals(st.remoteUfrag))) {
            return st;
        }
        if (st != null && !st.isClosed() && st.hasActiveStreams()) {
            throw new ProtocolException(code, "sdp refused: the offer's ICE credentials differ from the session "
                    + "transport's, which still carries streams (expected: one RTCPeerConnection per room session; "
                    + "an ICE restart is not supported)");
        }
        Sdp.Fingerprint fp = section.fingerprint() != null ? section.fingerprint() : offer.fingerprint();
        if (ufrag == null || ufrag.isEmpty() || fp == null) {
            throw new ProtocolException(code, "sdp refused: m= section mid '" + mid + "' has no a=ice-ufrag or no "
                    + "a=fingerprint (expected: both, in the section or at session level)");
        }
        DtlsFingerprint dtls;
        try {
            dtls = DtlsFingerprint.parse(fp.algorithm() + " " + fp.value());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(code, "sdp refused: a=fingerprint: " + e.getMessage());
        }
        SdpWriter.LocalIce ice = new SdpWriter.LocalIce(random(8), random(24), fingerprint);
        // Not the session's yet: it becomes so (commit) once the offer is accepted.
        return new SessionTransport(where != null ? where : place(), ice, ufrag, fp, dtls, sessionId(), observer);
    }

    /** Makes a new transport the session's once its first offer is accepted; the old one (idle or closed) closes. */
    private void commit(AtomicReference<SessionTransport> holder, SessionTransport st) {
        SessionTransport old = holder.get();
        if (old == st) {
            return;
        }
        if (old != null) {
            old.close();
        }
        holder.set(st);
        st.announce();
        st.shard.execute(st::register);
    }

    private static SessionTransport.Plan plan(SessionTransport st, SessionDescription offer, String mid,
                                              SdpNegotiator.Purpose purpose, MediaEndpoint stopping, int code) {
        try {
            return st.plan(offer, mid, purpose, stopping);
        } catch (SessionTransport.Refused e) {
            throw new ProtocolException(code, "sdp refused: " + e.getMessage());
        }
    }

    private static SessionDescription parse(String sdp, int code) {
        try {
            return SessionDescription.parse(sdp);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(code, "sdp: " + e.getMessage());
        }
    }

    private static void warn(SdpNegotiator.Accepted a, String role, MediaObserver observer) {
        for (String warning : a.warnings()) {
            log.warn("{} {}: offer accepted despite: {}", role, observer.who(), warning);
        }
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
