package io.parley.server.sfu;

import io.netty.buffer.ByteBuf;
import io.parley.protocol.media.MediaSection;
import io.parley.protocol.media.RtcpPacket;
import io.parley.protocol.media.RtpPacket;
import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpNegotiator;
import io.parley.protocol.media.SdpWriter;
import io.parley.protocol.media.SessionDescription;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One client's WebRTC transport for its whole session (every room of it) (BUNDLE, RFC 8843/9143): one ICE/DTLS/SRTP path that
 * carries every stream the client publishes or plays, one m= section (one {@code mid}) per stream. Streams are added
 * and removed by renegotiating the session's SDP (PROTOCOL.md, "One transport per session").
 *
 * <p>Signalling side: {@link #plan} checks a new offer against the sections already bound (synchronized by the
 * caller, {@link MediaSessions}); a mid is bound to one stream for good (a stopped stream's section is answered
 * with port 0 from then on), and a rejected section may be recycled by a later stream under a new mid (JSEP 5.2.2),
 * so an offer stays as long as the live streams. Media side (media loop): inbound RTP goes to a Producer by SSRC,
 * else by the {@code sdes:mid} header extension (then the SSRC is bound to it), else by payload type when exactly one bundled
 * Producer has no SSRC yet; inbound RTCP goes by SSRC (sender reports to the Producer whose SSRC sent them, report
 * blocks, NACK, PLI and FIR to the Consumer whose SSRC they name).
 */
public final class SessionTransport extends TransportOwner {
    /** Bounds one offer: m= sections it may carry (live streams plus rejected ones not yet recycled). */
    static final int MAX_SECTIONS = 512;
    /** Mids of recycled sections remembered so that a reuse is refused (oldest forgotten first). */
    static final int MAX_RETIRED_MIDS = 4096;

    enum Role { PUBLISH, PLAY }

    /** One m= section bound to one stream. Signalling side; {@code endpoint} is set once the section is committed. */
    static final class Slot {
        final String mid;
        final Role role;
        final String streamId;
        final int payloadType;
        final long remoteSsrc;
        final boolean sdesMid;
        final SdpWriter.LocalSource source;
        MediaEndpoint endpoint;
        /** Its stop's offer was answered: it is over for signalling, though the endpoint may still be closing. */
        boolean released;

        Slot(String mid, Role role, String streamId, SdpNegotiator.Accepted a, SdpWriter.LocalSource source) {
            this.mid = mid;
            this.role = role;
            this.streamId = streamId;
            this.payloadType = a.payloadType();
            this.remoteSsrc = a.remoteSsrc().orElse(-1);
            this.sdesMid = a.extensions().containsKey(Sdp.MID_URI);
            this.source = source;
        }

        boolean active(MediaEndpoint stopping) {
            return endpoint != null && endpoint != stopping && !released && !endpoint.ended();
        }
    }

    /**
     * A checked offer: the answer sections, in the offer's order, the new section's negotiation, if any, and the
     * mids of ended sections the offer no longer carries (recycled or dropped; forgotten once it is answered).
     */
    record Plan(SessionDescription offer, List<SdpWriter.BundleSection> sections, SdpNegotiator.Accepted added,
                List<String> gone, MediaEndpoint stopping) {
    }

    final MediaPlane plane;
    /** The media loop the transport and every endpoint on it live on (the room of its first stream's). */
    final MediaLoop shard;
    final WebRtcTransport transport;
    final SdpWriter.LocalIce ice;
    final String remoteUfrag;
    final Sdp.Fingerprint remoteFingerprint;
    private final long sessionId;
    private final MediaObserver observer;
    /** Signalling side, guarded by the caller's lock ({@link MediaSessions}). */
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    /** Mids whose sections were recycled (JSEP 5.2.2: a recycled m= section takes a new mid); bounded, oldest out. */
    private final Set<String> retired = new LinkedHashSet<>();
    private long version = 1;
    private volatile boolean closed;

    // ---- media loop ----
    private final List<Producer> producers = new ArrayList<>();
    private final Map<String, Producer> producersByMid = new HashMap<>();
    private final Map<Long, Producer> producersBySsrc = new HashMap<>();
    private final Map<Long, Consumer> consumersBySsrc = new HashMap<>();
    private final List<MediaEndpoint> endpoints = new ArrayList<>();
    /** The client's id for sdes:mid (one id per URI across a bundle, RFC 8285/8843), 0 when it negotiated none. */
    private int midExtensionId;

    SessionTransport(MediaLoop shard, SdpWriter.LocalIce ice, String remoteUfrag, Sdp.Fingerprint remoteFingerprint,
                     io.parley.media.dtls.DtlsFingerprint dtlsFingerprint, long sessionId, MediaObserver observer) {
        this.shard = shard;
        this.plane = shard.plane;
        this.ice = ice;
        this.remoteUfrag = remoteUfrag;
        this.remoteFingerprint = remoteFingerprint;
        this.sessionId = sessionId;
        this.observer = observer;
        this.transport = new WebRtcTransport(plane, ice.ufrag(), ice.pwd(), dtlsFingerprint, this, plane.clock().nanoTime());
    }

    /** True once closed (session ended, transport failed, or the peer closed it); any thread. */
    public boolean isClosed() {
        return closed;
    }

    /** Whether any section still carries a live stream (signalling side). */
    boolean hasActiveStreams() {
        for (Slot s : slots.values()) {
            if (s.endpoint == null || !s.endpoint.ended()) {
                return true;
            }
        }
        return false;
    }

    int sectionCount() {
        return slots.size();
    }

    Slot slot(String mid) {
        return slots.get(mid);
    }

    /**
     * Checks {@code offer} against the bound sections. {@code newMid} (with {@code purpose}) is the section a
     * startPublishing / startPlaying adds, or null; {@code stopping} is the endpoint a stop removes (its section is
     * answered with port 0), or null. Throws {@link Refused} saying what is wrong.
     */
    Plan plan(SessionDescription offer, String newMid, SdpNegotiator.Purpose purpose, MediaEndpoint stopping) {
        List<String> bundled = offer.bundleMids();
        if (newMid != null && !bundled.contains(newMid)) {
            throw new Refused("mid '" + newMid + "' is not in the offer's a=group:BUNDLE (expected: a=group:BUNDLE "
                    + "listing every active m= section)");
        }
        List<MediaSection> media = offer.media();
        if (media.size() > MAX_SECTIONS) {
            throw new Refused("the offer has " + media.size() + " m= sections (expected: at most " + MAX_SECTIONS
                    + "; a stopped stream's m= section is recycled by the next new stream, JSEP 5.2.2)");
        }
        Set<String> offered = new HashSet<>();
        List<SdpWriter.BundleSection> sections = new ArrayList<>(media.size());
        SdpNegotiator.Accepted added = null;
        for (int i = 0; i < media.size(); i++) {
            MediaSection m = media.get(i);
            String mid = m.mid();
            if (mid == null) {
                sections.add(SdpWriter.BundleSection.REJECTED);
                continue;
            }
            offered.add(mid);
            Slot slot = slots.get(mid);
            if (mid.equals(newMid)) {
                if (slot != null || retired.contains(mid)) {
                    throw new Refused("mid '" + mid + "' was already used on this transport"
                            + (slot == null ? "" : " (stream '" + slot.streamId + "')")
                            + "; a mid is never reused (expected: a new mid, also for a recycled m= section)");
                }
                SdpNegotiator.Accepted a = negotiate(offer, i, purpose, mid);
                added = a;
                sections.add(new SdpWriter.BundleSection(a, null)); // the caller adds the server's source
                continue;
            }
            if (slot == null || !slot.active(stopping)) {
                // The group's first (tagged) section is disabled, not rejected: a browser whose tagged section is
                // rejected moves the bundle to a new transport, cutting every other stream (mediasoup does the same).
                boolean tag = m.port() != 0 && !bundled.isEmpty() && bundled.get(0).equals(mid) && slot != null;
                sections.add(tag ? SdpWriter.BundleSection.INACTIVE : SdpWriter.BundleSection.REJECTED);
                continue;
            }
            if (m.port() == 0 || m.direction() == Sdp.Direction.INACTIVE) {
                throw new Refused("m= section mid '" + mid + "' carries stream '" + slot.streamId + "' and is disabled "
                        + "in this offer (expected: stop" + (slot.role == Role.PUBLISH ? "Publishing" : "Playing")
                        + " with this offer to remove it)");
            }
            SdpNegotiator.Accepted a = negotiate(offer, i, slot.role == Role.PUBLISH ? SdpNegotiator.Purpose.PUBLISH
                    : SdpNegotiator.Purpose.PLAY, mid);
            if (a.payloadType() != slot.payloadType) {
                throw new Refused("m= section mid '" + mid + "' changed its Opus payload type from " + slot.payloadType
                        + " to " + a.payloadType() + " (expected: payload types kept across renegotiation)");
            }
            sections.add(new SdpWriter.BundleSection(a, slot.source));
        }
        if (newMid != null && added == null) {
            throw new Refused("the offer has no m= section with a=mid:" + newMid);
        }
        List<String> gone = new ArrayList<>();
        for (Slot s : slots.values()) {
            if (offered.contains(s.mid)) {
                continue;
            }
            if (s.active(stopping)) {
                throw new Refused("the offer has no m= section with a=mid:" + s.mid + ", which carries stream '"
                        + s.streamId + "' (expected: every live stream's m= section; only a rejected one may be "
                        + "recycled)");
            }
            gone.add(s.mid);
        }
        for (SdpWriter.BundleSection s : sections) {
            SdpNegotiator.Accepted a = s.accepted();
            if (a != null && (!a.iceUfrag().equals(remoteUfrag) || !sameFingerprint(a.fingerprint()))) {
                throw new Refused("m= section mid '" + a.mid() + "' has other ICE credentials or another fingerprint "
                        + "than the session transport (expected: one RTCPeerConnection per room session; an ICE "
                        + "restart is not supported)");
            }
        }
        if (added != null && purpose == SdpNegotiator.Purpose.PUBLISH) {
            checkDemux(added);
        }
        return new Plan(offer, sections, added, gone, stopping);
    }

    private boolean sameFingerprint(Sdp.Fingerprint f) {
        return f.algorithm().equalsIgnoreCase(remoteFingerprint.algorithm())
                && f.value().equalsIgnoreCase(remoteFingerprint.value());
    }

    /** A new publishing section must be told apart from the others by SSRC, mid extension, or being the only one. */
    private void checkDemux(SdpNegotiator.Accepted a) {
        long ssrc = a.remoteSsrc().orElse(-1);
        boolean sdesMid = a.extensions().containsKey(Sdp.MID_URI);
        for (Slot s : slots.values()) {
            if (s.role != Role.PUBLISH || !s.active(null)) {
                continue;
            }
            if (ssrc >= 0 && s.remoteSsrc == ssrc) {
                throw new Refused("m= section mid '" + a.mid() + "' announces a=ssrc:" + ssrc + ", which mid '" + s.mid
                        + "' already sends (expected: one SSRC per stream)");
            }
            if (ssrc < 0 && !sdesMid && s.remoteSsrc < 0 && !s.sdesMid) {
                throw new Refused("m= section mid '" + a.mid() + "' has neither a=ssrc nor the sdes:mid extension, "
                        + "nor has mid '" + s.mid + "' (expected: one of them, so that the streams can be told apart)");
            }
        }
        // The transport reads sdes:mid and the transport-wide sequence number (TWCC) under one id for the whole bundle.
        for (String uri : List.of(Sdp.MID_URI, Sdp.TRANSPORT_CC_URI)) {
            Integer id = a.extensions().get(uri);
            for (Slot s : slots.values()) {
                if (s.role == Role.PUBLISH && s.endpoint instanceof Producer p && id != null) {
                    Integer other = p.extensions.get(uri);
                    if (other != null && !other.equals(id)) {
                        throw new Refused("m= section mid '" + a.mid() + "' maps " + uri + " to id " + id + ", mid '"
                                + s.mid + "' to id " + other + " (expected: one id per URI across a BUNDLE group, "
                                + "RFC 8843)");
                    }
                }
            }
        }
    }

    private static SdpNegotiator.Accepted negotiate(SessionDescription offer, int index, SdpNegotiator.Purpose purpose,
                                                   String mid) {
        SdpNegotiator.Result r = SdpNegotiator.negotiateSection(offer, index, purpose,
                purpose == SdpNegotiator.Purpose.PUBLISH ? MediaSessions.PUBLISH_EXTENSIONS
                        : SdpNegotiator.DEFAULT_EXTENSIONS);
        if (r instanceof SdpNegotiator.Rejected rej) {
            throw new Refused("m= section mid '" + mid + "' refused (" + rej.failure() + "): " + rej.message());
        }
        return (SdpNegotiator.Accepted) r;
    }

    /** The answer to a planned offer; each answer is a new version of the session's description (o= line). */
    String answer(Plan plan, List<SdpWriter.BundleSection> sections) {
        for (Slot s : slots.values()) {
            if (plan.stopping() != null && s.endpoint == plan.stopping()) {
                s.released = true; // the endpoint closes on the media loop; the next offer may already recycle it
            }
        }
        for (String mid : plan.gone()) {
            slots.remove(mid);
            retired.add(mid);
        }
        for (Iterator<String> it = retired.iterator(); retired.size() > MAX_RETIRED_MIDS; ) {
            it.next();
            it.remove();
        }
        version++;
        return SdpWriter.bundleAnswer(plan.offer(), sections, ice, plane.candidates(), sessionId, version);
    }

    /** Binds a new section (signalling side, after {@link #plan}); the endpoint joins the media side on the loop. */
    void bind(Slot slot, MediaEndpoint endpoint) {
        slot.endpoint = endpoint;
        slots.put(slot.mid, slot);
        endpoint.bundle = this;
        String mid = slot.mid;
        long ssrc = slot.remoteSsrc;
        shard.execute(() -> join(endpoint, mid, ssrc));
    }

    // ---- media loop ----

    private void join(MediaEndpoint e, String mid, long remoteSsrc) {
        if (closed || transport.closed) {
            e.transportFailed("the session transport closed");
            return;
        }
        if (e.ended()) {
            return;
        }
        endpoints.add(e);
        if (e instanceof Producer p) {
            producers.add(p);
            producersByMid.put(mid, p);
            if (remoteSsrc >= 0) {
                producersBySsrc.put(remoteSsrc, p);
            }
            Integer id = p.extensions.get(Sdp.MID_URI);
            if (id != null && midExtensionId == 0) {
                midExtensionId = id;
            }
        } else if (e instanceof Consumer c) {
            consumersBySsrc.put(c.ssrc, c);
        }
    }

    /** An endpoint closed: it leaves the routing tables; the transport stays for the session's other streams. */
    void detach(MediaEndpoint e) {
        endpoints.remove(e);
        if (e instanceof Producer p) {
            producers.remove(p);
            producersByMid.values().removeIf(x -> x == p);
            producersBySsrc.values().removeIf(x -> x == p);
        } else if (e instanceof Consumer c) {
            consumersBySsrc.remove(c.ssrc, c);
        }
    }

    /** The transport's ufrag is findable at once (any thread; see MediaPlane#announce). */
    void announce() {
        plane.announce(transport);
    }

    /** Register the transport with the plane (first section; media loop). */
    void register() {
        plane.register(transport);
    }

    /** Closes the transport (the session ended); the endpoints are closed by their owners. Any thread, idempotent. */
    public void close() {
        closed = true;
        shard.execute(transport::close);
    }

    @Override
    MediaObserver observer() {
        return observer;
    }

    @Override
    MediaLoop shard() {
        return shard;
    }

    @Override
    boolean acceptsRtpFrom(ByteBuf packet) {
        return !producers.isEmpty();
    }

    @Override
    void onRtp(ByteBuf plain, long nowNanos) {
        RtpPacket rtp = shard.rtpView;
        if (rtp.wrap(plain) != RtpPacket.Status.OK) {
            plane.counters().drop(DropReason.MALFORMED);
            return;
        }
        Producer p = route(rtp);
        if (p == null) {
            plane.counters().drop(DropReason.UNKNOWN_SSRC);
            return;
        }
        p.onRtp(plain, nowNanos);
    }

    /** RFC 8843 9.2: a known SSRC, else the mid extension (binding the SSRC), else a payload type only one can take. */
    private Producer route(RtpPacket rtp) {
        long ssrc = rtp.ssrc();
        Producer p = producersBySsrc.get(ssrc);
        if (p != null) {
            return p;
        }
        if (midExtensionId > 0 && rtp.hasExtension()) {
            int at = rtp.extensionOffset(midExtensionId);
            int length = at < 0 ? 0 : rtp.extensionLength(midExtensionId);
            if (length > 0) {
                p = producersByMid.get(rtp.buffer().toString(at, length, StandardCharsets.US_ASCII));
                if (p != null && (p.ssrc() < 0 || p.ssrc() == ssrc)) {
                    producersBySsrc.put(ssrc, p);
                    return p;
                }
                return null; // a mid names the stream: never guess past it
            }
        }
        Producer only = null;
        int pt = rtp.payloadType();
        for (Producer x : producers) {
            if (x.ssrc() < 0 && (x.opusPayloadType == pt || x.redPayloadType == pt)) {
                if (only != null) {
                    return null;
                }
                only = x;
            }
        }
        if (only != null) {
            producersBySsrc.put(ssrc, only);
        }
        return only;
    }

    @Override
    void onRtcp(RtcpPacket packet, long nowNanos) {
        if (packet instanceof RtcpPacket.SenderReport sr) {
            Producer p = producersBySsrc.get(sr.ssrc());
            if (p != null) {
                p.onRtcp(sr, nowNanos);
            }
            if (!sr.reports().isEmpty()) {
                reports(new RtcpPacket.ReceiverReport(sr.ssrc(), sr.reports()), nowNanos);
            }
        } else if (packet instanceof RtcpPacket.ReceiverReport rr) {
            reports(rr, nowNanos);
        } else if (packet instanceof RtcpPacket.Nack n) {
            consumer(n.mediaSsrc(), n, nowNanos);
        } else if (packet instanceof RtcpPacket.Pli pli) {
            consumer(pli.mediaSsrc(), pli, nowNanos);
        } else if (packet instanceof RtcpPacket.Fir fir) {
            for (RtcpPacket.FirEntry e : fir.entries()) {
                consumer(e.ssrc(), fir, nowNanos);
            }
        }
        // SDES, BYE and the rest carry nothing a bundled endpoint acts on
    }

    private void reports(RtcpPacket.ReceiverReport rr, long nowNanos) {
        for (RtcpPacket.ReportBlock b : rr.reports()) {
            consumer(b.ssrc(), rr, nowNanos);
        }
    }

    private void consumer(long ssrc, RtcpPacket packet, long nowNanos) {
        Consumer c = consumersBySsrc.get(ssrc);
        if (c != null) {
            c.onRtcp(packet, nowNanos);
        }
    }

    @Override
    void transportFailed(String why) {
        closed = true;
        for (MediaEndpoint e : new ArrayList<>(endpoints)) {
            e.transportFailed(why);
        }
        transport.close();
    }

    @Override
    void peerClosed() {
        closed = true;
        for (MediaEndpoint e : new ArrayList<>(endpoints)) {
            e.peerClosed();
        }
        transport.close();
    }

    @Override
    public String toString() {
        return "session transport " + transport.localUfrag + " (" + observer.who() + ")";
    }

    /** An offer this transport cannot take; the caller maps it to its request's error code. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
