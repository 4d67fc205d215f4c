package io.parley.client.media;

import io.parley.protocol.media.Sdp;
import io.parley.protocol.media.SdpWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One WebRTC transport for a whole room session (BUNDLE, RFC 8843), as a browser's single {@code RTCPeerConnection}
 * with one audio m-line per stream: every {@link Publisher} and {@link Player} added here shares its ICE, DTLS and
 * SRTP. Each stream gets an m= section with a new mid ("0", "1", ... never reused) by renegotiation: the client offers
 * its whole session description, the server answers it (PROTOCOL.md, "One transport per session"). A removed stream's
 * section is offered with port 0 until an answer has rejected it; the next new stream then recycles that slot under a
 * new mid (JSEP 5.2.2), so an offer carries the live streams plus the few not yet recycled. Negotiations run one at
 * a time, in call order.
 *
 * <p>Lifecycle: the transport connects (ICE, DTLS) with the first answer; it closes with {@link #close} or when it
 * fails, and every stream on it ends then.
 */
public final class MediaSession implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Sends a renegotiated offer over signalling and completes with the server's answer SDP, or fails (with the
     * server's refusal). {@code mid} names the section being added, or is null when one is removed.
     */
    @FunctionalInterface
    public interface Exchange {
        CompletableFuture<String> apply(String offer, String mid);
    }

    private static final class Section {
        final String mid;
        final Sdp.Direction direction;
        final SdpWriter.LocalSource source;
        boolean stopped;
        /** Stopped, and an answer to an offer with it stopped came back: its slot may carry a new section. */
        boolean recyclable;
        Object stream;

        Section(String mid, Sdp.Direction direction, SdpWriter.LocalSource source) {
            this.mid = mid;
            this.direction = direction;
            this.source = source;
        }
    }

    private final MediaTransport transport;
    private final SdpWriter.LocalIce ice;
    private final long sessionId = RANDOM.nextLong() >>> 1;
    /** Guarded by this. */
    private final List<Section> sections = new ArrayList<>();
    private long version = 1;
    private int nextMid;
    private boolean connectStarted;
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    private MediaSession(MediaTransport transport) {
        this.transport = transport;
        this.ice = transport.local().ice();
    }

    /** Binds the session's UDP socket; {@code label} names it in log lines. */
    public static CompletableFuture<MediaSession> open(MediaConfig config, String label) {
        return MediaTransport.open(Sdp.Direction.SENDONLY, config, label).thenApply(MediaSession::new);
    }

    /**
     * Adds a published stream: offers a new sendonly section, applies the answer, and completes once the session's
     * transport is connected, with a {@link Publisher} ready to send. Fails with the exchange's failure, or with a
     * {@link MediaException} when the answer cannot be used or the transport fails.
     */
    public CompletableFuture<Publisher> publish(String streamID, Exchange exchange) {
        return add(Sdp.Direction.SENDONLY, exchange, source -> new Publisher(streamID, transport, source.ssrc(),
                source.cname(), true)).thenApply(o -> (Publisher) o);
    }

    /** Adds a played stream (a recvonly section), as {@link #publish} does; {@code listener} gets its packets. */
    public CompletableFuture<Player> play(String streamID, PacketListener listener, Exchange exchange) {
        return add(Sdp.Direction.RECVONLY, exchange, source -> new Player(streamID, transport, listener, source.ssrc(),
                source.cname(), true)).thenApply(o -> (Player) o);
    }

    /**
     * Removes a stream (a {@link Publisher} or {@link Player} of this session): it stops at once, and its section
     * is offered with port 0; completes with the server's answer. A stream already removed completes at once (null).
     */
    public CompletableFuture<String> remove(Object stream, Function<String, CompletableFuture<String>> exchange) {
        return serialized(() -> {
            String offer;
            List<Section> stopped;
            synchronized (this) {
                Section s = section(stream);
                if (s == null || s.stopped) {
                    return CompletableFuture.completedFuture(null);
                }
                s.stopped = true;
                offer = offer();
                stopped = stoppedSections();
            }
            closeStream(stream);
            return exchange.apply(offer).thenApply(answer -> {
                if (answer != null) {
                    recyclable(stopped);
                }
                return answer;
            });
        });
    }

    /** The server ended a stream (NO_PUBLISH / NO_PLAY): its section is offered with port 0 from now on. */
    public void ended(Object stream) {
        synchronized (this) {
            Section s = section(stream);
            if (s == null) {
                return;
            }
            s.stopped = true;
        }
        closeStream(stream);
    }

    /** Streams currently on the transport (not removed). */
    public synchronized int streamCount() {
        int n = 0;
        for (Section s : sections) {
            if (!s.stopped) {
                n++;
            }
        }
        return n;
    }

    public MediaTransport transport() {
        return transport;
    }

    public boolean isClosed() {
        return transport.state() == MediaTransport.State.CLOSED;
    }

    /** Closes the transport: every stream on it ends. */
    @Override
    public void close() {
        transport.close();
    }

    private CompletableFuture<Object> add(Sdp.Direction direction, Exchange exchange,
                                          Function<SdpWriter.LocalSource, Object> create) {
        CompletableFuture<Object> negotiated = serialized(() -> {
            Section s;
            String offer;
            List<Section> stopped;
            synchronized (this) {
                if (isClosed()) {
                    throw new MediaException("media session: closed");
                }
                String mid = Integer.toString(nextMid++);
                long ssrc = 1 + (RANDOM.nextInt() & 0xFFFFFFFEL);
                s = new Section(mid, direction, new SdpWriter.LocalSource(ssrc, LocalDescription.random(16), "parley",
                        "audio" + mid));
                int slot = recyclableSlot();
                if (slot < 0) {
                    sections.add(s);
                } else {
                    sections.set(slot, s); // JSEP 5.2.2: a rejected m= section takes the new stream, with a new mid
                }
                offer = offer();
                stopped = stoppedSections();
            }
            return exchange.apply(offer, s.mid).handle((answer, err) -> {
                if (err == null) {
                    recyclable(stopped);
                }
                if (err != null) {
                    stop(s); // refused: the section stays in later offers, with port 0
                    throw err instanceof CompletionException ce ? ce : new CompletionException(err);
                }
                RemoteDescription r;
                try {
                    r = RemoteDescription.parse(answer, s.mid);
                } catch (IllegalArgumentException e) {
                    stop(s);
                    throw new CompletionException(new MediaException("media session: cannot use the server's answer: "
                            + e.getMessage(), e));
                }
                Object stream = create.apply(s.source);
                if (stream instanceof Publisher p) {
                    p.remote(r);
                } else {
                    ((Player) stream).remote(r);
                }
                boolean connect;
                synchronized (this) {
                    s.stream = stream;
                    connect = !connectStarted;
                    connectStarted = true;
                }
                if (connect) {
                    transport.connect(answer);
                }
                return stream;
            });
        });
        return negotiated.thenCompose(stream -> transport.whenConnected().thenApply(t -> stream));
    }

    private synchronized void stop(Section s) {
        s.stopped = true;
    }

    /** Guarded by this: the first slot whose section an answer has rejected, or -1. */
    private int recyclableSlot() {
        for (int i = 0; i < sections.size(); i++) {
            if (sections.get(i).recyclable) {
                return i;
            }
        }
        return -1;
    }

    /** Guarded by this: the sections the next offer carries with port 0. */
    private List<Section> stoppedSections() {
        List<Section> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.stopped) {
                out.add(s);
            }
        }
        return out;
    }

    /** The server answered an offer with these sections stopped: it rejected them, so their slots may be reused. */
    private synchronized void recyclable(List<Section> stopped) {
        for (Section s : stopped) {
            s.recyclable = true;
        }
    }

    /** The m= sections the session's offers carry now: its streams plus the stopped ones not yet recycled. */
    public synchronized int sectionCount() {
        return sections.size();
    }

    /** Runs {@code step} after every negotiation before it has finished (successfully or not). */
    private synchronized <T> CompletableFuture<T> serialized(Supplier<CompletableFuture<T>> step) {
        CompletableFuture<T> next = tail.handle((v, e) -> null).thenCompose(v -> step.get());
        tail = next;
        return next;
    }

    private Section section(Object stream) {
        for (Section s : sections) {
            if (s.stream == stream) {
                return s;
            }
        }
        return null;
    }

    private static void closeStream(Object stream) {
        if (stream instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Publisher and Player close without throwing
            }
        }
    }

    /** Guarded by this: the whole session description, every section so far in order. */
    private String offer() {
        List<SdpWriter.OfferSection> list = new ArrayList<>(sections.size());
        for (Section s : sections) {
            list.add(new SdpWriter.OfferSection(s.mid, s.direction, s.source, s.stopped));
        }
        version++;
        return SdpWriter.bundleOffer(list, ice, sessionId, version);
    }
}
