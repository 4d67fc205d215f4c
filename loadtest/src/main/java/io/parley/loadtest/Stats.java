package io.parley.loadtest;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Every figure a run collects: latency histograms (nanoseconds, 3 significant digits, recorded wait-free from any
 * thread), counters, the number of live sessions and a bounded sample of error messages.
 */
final class Stats {
    /** Latencies, each measured in this process with {@link System#nanoTime()} at both ends. */
    enum Timer {
        CONNECT("connect", "WebSocket connect + first heartbeat round trip"),
        LOGIN("login", "loginRoom request to response"),
        USER_FANOUT("user_fanout", "loginRoom sent to each earlier member's roomUserUpdate ADD"),
        PUBLISH("publish", "startPublishing request to response"),
        STREAM_FANOUT("stream_fanout", "startPublishing sent to each member's roomStreamUpdate ADD"),
        STREAM_FANOUT_ALL("stream_fanout_all", "startPublishing sent to the ADD at the last member in the room (per publish)"),
        MEDIA_SETUP("media_setup", "startPublishing/startPlaying with SDP to DTLS connected"),
        FIRST_AUDIO("first_audio", "player's loginRoom sent to its first audio packet"),
        FORWARDING("forwarding", "publisher send (payload stamp) to player receipt, per packet, once every player is set up"),
        FORWARDING_RAMP("forwarding_ramp", "as forwarding, for packets sent while players were still joining"),
        RTMP_PUBLISH("rtmp_publish", "startPublishing (transport rtmp) sent to the RTMP server's NetStream.Publish.Start"),
        PLAY_URL("play_url", "startPlaying (transport flv) request to response"),
        FLV_FIRST_AUDIO_TAG("flv_first_audio_tag", "HTTP-FLV GET sent to the first audio tag (the AAC sequence header)"),
        FLV_FIRST_FRAME("flv_first_frame", "HTTP-FLV GET sent to the first AAC frame tag"),
        FLV_DELIVERY("flv_delivery", "RTMP audio message written by the publisher to its FLV tag read by each player"),
        RTMP_TO_RTP("rtmp_to_rtp", "RTMP AAC frame written by the publisher to the first RTP packet carrying it at each "
                + "WebRTC player (AAC->Opus on the server)");

        final String key;
        final String meaning;

        Timer(String key, String meaning) {
            this.key = key;
            this.meaning = meaning;
        }
    }

    enum Counter {
        LOGINS("logins"),
        LOGIN_FAILURES("login_failures"),
        LOGOUTS("logouts"),
        PUBLISHES("publishes"),
        UNPUBLISHES("unpublishes"),
        FANOUT_EXPECTED("stream_fanout_expected"),
        FANOUT_RECEIVED("stream_fanout_received"),
        USER_FANOUT_RECEIVED("user_fanout_received"),
        PACKETS_SENT("packets_sent"),
        PACKETS_RECEIVED("packets_received"),
        FLV_TAGS_RECEIVED("flv_tags_received"),
        RTP_PACKETS_RECEIVED("rtp_packets_received"),
        ERRORS("errors");

        final String key;

        Counter(String key) {
            this.key = key;
        }
    }

    private static final int MAX_ERROR_KINDS = 50;

    private final Map<Timer, ConcurrentHistogram> timers = new EnumMap<>(Timer.class);
    private final Map<Counter, LongAdder> counters = new EnumMap<>(Counter.class);
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    private final AtomicInteger sessions = new AtomicInteger();

    Stats() {
        for (Timer t : Timer.values()) {
            timers.put(t, new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(10), 3));
        }
        for (Counter c : Counter.values()) {
            counters.put(c, new LongAdder());
        }
    }

    void record(Timer t, long nanos) {
        ConcurrentHistogram h = timers.get(t);
        h.recordValue(Math.min(Math.max(nanos, 0), h.getHighestTrackableValue()));
    }

    void add(Counter c) {
        counters.get(c).increment();
    }

    void add(Counter c, long n) {
        counters.get(c).add(n);
    }

    long count(Counter c) {
        return counters.get(c).sum();
    }

    /** Counts an error and keeps its message (the first {@value #MAX_ERROR_KINDS} distinct ones) for the report. */
    void error(String message) {
        counters.get(Counter.ERRORS).increment();
        LongAdder a = errorKinds.get(message);
        if (a == null && errorKinds.size() < MAX_ERROR_KINDS) {
            a = errorKinds.computeIfAbsent(message, k -> new LongAdder());
        }
        if (a != null) {
            a.increment();
        }
    }

    private volatile Runnable onSteady = () -> { };

    void onSteady(Runnable r) {
        onSteady = r;
    }

    private volatile Runnable onEnding = () -> { };

    void onEnding(Runnable r) {
        onEnding = r;
    }

    private volatile long endingAt;

    /** The load is over, before sessions close: the server's histograms are read here, without the closing. */
    void ending() {
        endingAt = System.nanoTime();
        onEnding.run();
    }

    /** When {@link #ending()} was called (nanoTime), or 0. */
    long endingAt() {
        return endingAt;
    }

    private volatile long steadyAt;

    /** The scenario's load is fully up: the server's histograms and steady rates are reported from here on too. */
    void steady() {
        steadyAt = System.nanoTime();
        onSteady.run();
    }

    /** When {@link #steady()} was called (nanoTime), or 0. */
    long steadyAt() {
        return steadyAt;
    }

    void sessionUp() {
        sessions.incrementAndGet();
    }

    void sessionDown() {
        sessions.decrementAndGet();
    }

    int sessions() {
        return sessions.get();
    }

    Histogram snapshot(Timer t) {
        return timers.get(t).copy();
    }

    Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        counters.forEach((c, v) -> m.put(c.key, v.sum()));
        return m;
    }

    Map<String, Long> errorKinds() {
        Map<String, Long> m = new LinkedHashMap<>();
        errorKinds.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .forEach(e -> m.put(e.getKey(), e.getValue().sum()));
        return m;
    }
}
