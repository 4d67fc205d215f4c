package io.parley.loadtest;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.parley.client.ParleyEngine;
import io.parley.client.ResultException;
import io.parley.client.media.MediaConfig;
import io.parley.client.media.ReceivedPacket;
import io.parley.loadtest.rtmp.AacClip;
import io.parley.loadtest.rtmp.FlvPlayer;
import io.parley.loadtest.rtmp.RtmpPublisher;
import io.parley.loadtest.rtmp.RtpFrameMatcher;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * WeChat mini-program media: per room one RTMP publisher (a session that asks startPublishing with transport rtmp and
 * pushes the URL it gets, pre-encoded AAC paced in real time), then S HTTP-FLV players (sessions that ask
 * startPlaying with transport flv and GET the URL) and W WebRTC players (the Java client; they make the server
 * transcode AAC to Opus). Every frame's send time is kept, so players time each frame and count what they missed.
 *
 * <p>FLV players know a frame's index from its bytes (the clip's frames are all distinct) and check every tag's
 * timestamp against the publisher's. WebRTC players match RTP timestamps to RTMP frames: the transcoder's RTP
 * timeline starts at an unknown random offset, so once every player is set up each publisher makes one forward
 * timestamp jump of {@value #JUMP_MS} ms; the transcoder re-anchors there, and from then on the sample position of
 * every packet, hence the frame whose first sample it carries, is exact ({@link RtpFrameMatcher}).
 */
final class RtmpScenario implements Scenario {
    static final long JUMP_MS = 1000;
    private static final int RING = 1 << 13;
    private static final int MASK = RING - 1;
    /** Packets (0.5 s) whose arrival must keep pace with their media time before the jump is made. */
    static final int PACED_WINDOW = 25;
    static final long PACED_SPREAD_NANOS = 40_000_000L;

    /** A publishing bot: the frames it has handed to its socket and when. */
    final class Stream {
        final Bot bot;
        final String streamId;
        volatile RtmpPublisher publisher;
        /** Frames handed to the socket; the next frame's index. Raised before the write. */
        final AtomicLong issued = new AtomicLong();
        final AtomicLongArray sentAt = new AtomicLongArray(RING);
        volatile boolean jumpRequested;
        volatile long jumpIndex = -1;
        volatile boolean live;

        Stream(Bot bot, String streamId) {
            this.bot = bot;
            this.streamId = streamId;
        }

        /** The RTMP timestamp of frame {@code i} (ms). */
        long ts(long i) {
            long j = jumpIndex;
            return clip.timestampOf(i) + (j >= 0 && i >= j ? JUMP_MS : 0);
        }

        /** When frame {@code i} was handed to the socket (nanoTime), or 0 if unknown. */
        long sentAt(long i) {
            long n = issued.get();
            return i < 0 || i >= n || i < n - RING ? 0 : sentAt.get((int) (i & MASK));
        }
    }

    /** One HTTP-FLV player; touched on its event loop, read at the end. */
    final class FlvSub implements FlvPlayer.Listener {
        final Stream stream;
        final Bot bot;
        final long[] requestSent = new long[1];
        volatile FlvPlayer player;
        volatile long firstIndex = -1;
        volatile long lastIndex = -1;
        long lastTs;
        volatile long received;
        volatile long missing;
        volatile long tsErrors;
        volatile long duplicates;
        boolean sawAudioTag;
        volatile boolean ended;

        FlvSub(Stream stream, Bot bot) {
            this.stream = stream;
            this.bot = bot;
        }

        @Override
        public void onResponse(int status, long nanos) {
            if (status == 200) {
                flvUp.incrementAndGet();
            }
        }

        @Override
        public void onSequenceHeader(int timestamp, long nanos) {
            if (!sawAudioTag) {
                sawAudioTag = true;
                stats.record(Stats.Timer.FLV_FIRST_AUDIO_TAG, nanos - requestSent[0]);
            }
        }

        @Override
        public void onAudio(int ts, ByteBuffer raw, long now) {
            int id = clip.indexOf(raw);
            stats.add(Stats.Counter.FLV_TAGS_RECEIVED);
            stats.add(Stats.Counter.PACKETS_RECEIVED);
            if (id < 0) {
                stats.error("flv: an AAC frame that is not one of the clip's");
                return;
            }
            if (!sawAudioTag) {
                sawAudioTag = true;
                stats.record(Stats.Timer.FLV_FIRST_AUDIO_TAG, now - requestSent[0]);
            }
            int m = clip.size();
            long idx;
            if (firstIndex < 0) {
                long last = stream.issued.get() - 1;
                idx = last - Math.floorMod(last - id, (long) m);
                firstIndex = idx;
                stats.record(Stats.Timer.FLV_FIRST_FRAME, now - requestSent[0]);
            } else {
                long d = Math.floorMod(id - lastIndex, (long) m);
                if (d == 0 && ts == lastTs) {
                    duplicates++;
                    return;
                }
                if (d == 0) {
                    d = m;
                }
                idx = lastIndex + d;
                if (ts - lastTs != stream.ts(idx) - stream.ts(lastIndex)) {
                    tsErrors++;
                }
                missing += d - 1;
            }
            lastIndex = idx;
            lastTs = ts;
            received++;
            long sent = stream.sentAt(idx);
            long steady = stats.steadyAt();
            if (sent != 0 && steady != 0 && sent - steady > 0) {
                stats.record(Stats.Timer.FLV_DELIVERY, now - sent);
            }
        }

        @Override
        public void onEnd(String error) {
            ended = true;
            if (!closing) {
                stats.error("flv player: " + (error == null ? "the stream ended before the run did" : error));
            }
        }
    }

    /** One WebRTC player of an RTMP stream; touched on its transport loop. */
    final class RtpSub {
        final Stream stream;
        int prevSeq = -1;
        final RtpFrameMatcher matcher = new RtpFrameMatcher();
        volatile long received;
        volatile long lost;
        volatile boolean synced;
        volatile boolean connected;
        /** Arrival minus media time (ns) of the last {@link #PACED_WINDOW} packets, before the jump. */
        private final long[] lag = new long[PACED_WINDOW];
        private long firstRtp = -1;
        private long count;
        /** The last {@link #PACED_WINDOW} packets came in real time (a cold transcoder's backlog has drained). */
        volatile boolean paced;

        RtpSub(Stream stream) {
            this.stream = stream;
        }

        private void pacing(long now, long rtp) {
            if (firstRtp < 0) {
                firstRtp = rtp;
            }
            long media = ((rtp - firstRtp) & 0xFFFFFFFFL) * 1_000_000_000L / 48_000;
            lag[(int) (count++ % PACED_WINDOW)] = now - media;
            if (count >= PACED_WINDOW) {
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                for (long l : lag) {
                    min = Math.min(min, l);
                    max = Math.max(max, l);
                }
                paced = max - min < PACED_SPREAD_NANOS;
            }
        }

        void onPacket(ReceivedPacket p) {
            long now = System.nanoTime();
            stats.add(Stats.Counter.RTP_PACKETS_RECEIVED);
            stats.add(Stats.Counter.PACKETS_RECEIVED);
            received++;
            int seq = p.sequenceNumber();
            if (prevSeq >= 0) {
                int gap = (seq - prevSeq - 1) & 0xFFFF;
                if (gap > 0 && gap < 0x8000) {
                    lost += gap;
                }
            }
            long r = p.timestamp() & 0xFFFFFFFFL;
            long j = stream.jumpIndex;
            if (j < 0) {
                pacing(now, r);
            }
            long frame = matcher.onPacket(r, j);
            if (frame >= 0) {
                synced = true;
                long sent = stream.sentAt(frame);
                if (sent != 0) {
                    stats.record(Stats.Timer.RTMP_TO_RTP, now - sent);
                }
            }
            prevSeq = seq;
        }
    }

    private final CommonOptions common;
    private final Tokens tokens;
    private final int rooms;
    private final int flvPlayers;
    private final int webrtcPlayers;
    private final double loginRate;
    private final java.time.Duration mediaTimeout;
    private final AacClip clip = AacClip.standard();
    private final String tag = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
    private final List<Bot> bots = new CopyOnWriteArrayList<>();
    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    private final List<FlvSub> flvSubs = new CopyOnWriteArrayList<>();
    private final List<RtpSub> rtpSubs = new CopyOnWriteArrayList<>();
    private final AtomicInteger publishersUp = new AtomicInteger();
    private final AtomicInteger settled = new AtomicInteger();
    private final AtomicInteger flvUp = new AtomicInteger();
    private final AtomicInteger webrtcUp = new AtomicInteger();
    private final AtomicInteger playersSettled = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicLong publisherBackpressure = new AtomicLong();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("loadtest-rtmp", true),
            NioIoHandler.newFactory());
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-rtmp-sender");
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        return t;
    });
    private volatile boolean stopped;
    private volatile boolean sending = true;
    private volatile boolean closing;
    private volatile String phase = "new";
    private Stats stats;

    RtmpScenario(CommonOptions common, Tokens tokens, int rooms, int flvPlayers, int webrtcPlayers, double loginRate,
                 java.time.Duration mediaTimeout) {
        this.common = common;
        this.tokens = tokens;
        this.rooms = rooms;
        this.flvPlayers = flvPlayers;
        this.webrtcPlayers = webrtcPlayers;
        this.loginRate = loginRate;
        this.mediaTimeout = mediaTimeout;
    }

    private long steadyNanos = -1;

    /** Ends the run {@code d} after the steady phase begins (null: at the deadline). */
    RtmpScenario steadyFor(java.time.Duration d) {
        steadyNanos = d == null ? -1 : d.toNanos();
        return this;
    }

    /** The end of the steady phase: the deadline, or --steady after now if that is earlier. */
    private long steadyEnd(long deadline) {
        if (steadyNanos < 0) {
            return deadline;
        }
        long end = System.nanoTime() + steadyNanos;
        return end - deadline < 0 ? end : deadline;
    }

    @Override
    public String name() {
        return "rtmp";
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", common.url.toString());
        m.put("appID", tokens.appId());
        m.put("rooms", rooms);
        m.put("rtmpPublishersPerRoom", 1);
        m.put("flvPlayersPerRoom", flvPlayers);
        m.put("webrtcPlayersPerRoom", webrtcPlayers);
        m.put("loginRate", loginRate);
        m.put("aac", clip.sampleRate() + " Hz, " + clip.channels() + " channel(s), " + clip.size() + " distinct frames looped");
        m.put("framesPerSecondPerPublisher", Report.round(clip.sampleRate() / (double) AacClip.FRAME_SAMPLES));
        m.put("durationSeconds", common.duration.toMillis() / 1000.0);
        m.put("runTag", tag);
        return m;
    }

    @Override
    public String progress() {
        return phase + " | rtmp publishers " + publishersUp.get() + "/" + rooms + " flv " + flvUp.get() + "/" + rooms * flvPlayers
                + (webrtcPlayers > 0 ? " webrtc " + webrtcUp.get() + "/" + rooms * webrtcPlayers : "");
    }

    @Override
    public void run(Stats stats, long deadline) throws InterruptedException {
        this.stats = stats;
        phase = "publishers";
        long t0 = System.nanoTime();
        int started = 0;
        for (int r = 0; r < rooms && !over(deadline); r++) {
            pace(t0, started++, deadline);
            startPublisher(r);
        }
        int publishersStarted = started;
        Waits.until(() -> settled.get() >= publishersStarted, deadline, () -> stopped);
        phase = "players";
        t0 = System.nanoTime();
        int joined = 0;
        for (int k = 0; k < flvPlayers + webrtcPlayers && !over(deadline); k++) {
            for (int r = 0; r < rooms && !over(deadline); r++) {
                Stream s = streamOf(r);
                pace(t0, joined++, deadline);
                if (s == null) {
                    playersSettled.incrementAndGet();
                } else if (k < flvPlayers) {
                    startFlvPlayer(s, k);
                } else {
                    startWebRtcPlayer(s, k - flvPlayers);
                }
            }
        }
        phase = "players settling";
        int playersJoined = joined;
        Waits.until(() -> playersSettled.get() >= playersJoined, deadline, () -> stopped);
        // FLV players are within a frame or two of their stream (at most 1 s)
        Waits.until(() -> caughtUp(2), Math.min(deadline, System.nanoTime() + 1_000_000_000L), () -> stopped);
        if (webrtcPlayers > 0) {
            // a transcoder's first frames wait for FFmpeg to load (seconds on a cold server), then its backlog comes
            // out in a burst: the frames are matched once every WebRTC player receives in real time (at most 15 s)
            phase = "webrtc players catching up";
            Waits.until(() -> rtpSubs.stream().allMatch(r -> !r.connected || r.paced),
                    Math.min(deadline, System.nanoTime() + 15_000_000_000L), () -> stopped);
        }
        phase = "steady";
        stats.steady();
        if (webrtcPlayers > 0) {
            for (Stream s : streams) {
                s.jumpRequested = true;
            }
        }
        Waits.until(() -> false, steadyEnd(deadline), () -> stopped);
        phase = "draining";
        sending = false;
        sender.shutdown();
        sender.awaitTermination(1, TimeUnit.SECONDS);
        // frames in flight reach their players (at most 2 s: a lost frame never arrives)
        Waits.until(() -> caughtUp(0), System.nanoTime() + 2_000_000_000L, () -> stopped);
        stats.ending();
        phase = "closing";
        closeAll(10_000);
        phase = "done";
    }

    private Stream streamOf(int room) {
        for (Stream s : streams) {
            if (s.bot.room == room) {
                return s;
            }
        }
        return null;
    }

    private void pace(long t0, int i, long deadline) {
        long due = t0 + (long) (i * 1e9 / loginRate);
        while (System.nanoTime() - due < 0 && !over(deadline)) {
            LockSupport.parkNanos(Math.min(due - System.nanoTime(), 1_000_000));
        }
    }

    /** Every FLV player that got a frame has all but {@code slack} of what its stream sent since. */
    private boolean caughtUp(long slack) {
        for (FlvSub f : flvSubs) {
            if (f.firstIndex >= 0 && !f.ended && f.stream.issued.get() - 1 - f.lastIndex > slack) {
                return false;
            }
        }
        return true;
    }

    private boolean over(long deadline) {
        return stopped || System.nanoTime() - deadline >= 0;
    }

    @Override
    public void stop() {
        stopped = true;
    }

    private Bot newBot(int room, String who) {
        String userId = "lt" + tag + "-r" + room + "-" + who;
        String roomId = "lt" + tag + "-r" + room;
        Bot b = new Bot(bots.size(), room, userId, roomId, ParleyEngine.create(tokens.appId(), common.url));
        b.engine.setMediaConfig(MediaConfig.DEFAULTS.withTimeouts(mediaTimeout, mediaTimeout));
        bots.add(b);
        Bots.watch(b, stats);
        return b;
    }


    private static URI url(io.parley.client.Result r) {
        if (!r.ok()) {
            throw new ResultException(r);
        }
        String u = r.data() == null ? null : r.data().path("url").asText(null);
        if (u == null) {
            throw new IllegalStateException("no data.url in the response");
        }
        return URI.create(u);
    }

    private void startPublisher(int room) {
        Bot b = newBot(room, "pub");
        Stream s = new Stream(b, "lt" + tag + "-r" + room + "-rtmp");
        Bots.enter(b, tokens, stats).thenCompose(in -> {
            if (!in) {
                return CompletableFuture.completedFuture((RtmpPublisher) null);
            }
            long p0 = System.nanoTime();
            return b.engine.startPublishingRtmp(s.streamId, "").thenCompose(r -> RtmpPublisher.publish(group, url(r)))
                    .thenApply(p -> {
                        stats.record(Stats.Timer.RTMP_PUBLISH, System.nanoTime() - p0);
                        stats.add(Stats.Counter.PUBLISHES);
                        s.publisher = p;
                        p.closed().thenRun(() -> {
                            if (!closing) {
                                stats.error("rtmp publisher: connection closed by the server");
                            }
                        });
                        p.sendMetadata(clip.sampleRate(), clip.channels());
                        p.sendSequenceHeader(clip.audioSpecificConfig());
                        streams.add(s);
                        publishersUp.incrementAndGet();
                        long period = clip.frameNanos();
                        long phaseNanos = period * room / Math.max(1, rooms);
                        sender.scheduleAtFixedRate(() -> send(s), phaseNanos, period, TimeUnit.NANOSECONDS);
                        return p;
                    });
        }).whenComplete((p, e) -> {
            if (e != null) {
                failures.incrementAndGet();
                stats.error("rtmp publish: " + Bots.cause(e));
                settled.incrementAndGet();
                return;
            }
            if (p == null) {
                settled.incrementAndGet();
                return;
            }
            // settled once the room sees the stream: the first frame is out (the server announces it on media)
            waitLive(s);
        });
    }

    /** The room announces an RTMP stream once its audio arrives; players may ask for it from then on. */
    private void waitLive(Stream s) {
        Bots.SCHEDULER.schedule(() -> {
            if (s.issued.get() >= 2 || stopped) {
                s.live = true;
                settled.incrementAndGet();
            } else {
                waitLive(s);
            }
        }, 5, TimeUnit.MILLISECONDS);
    }

    private void send(Stream s) {
        RtmpPublisher p = s.publisher;
        if (p == null || !sending || !p.isOpen()) {
            return;
        }
        long i = s.issued.get();
        if (s.jumpRequested && s.jumpIndex < 0) {
            s.jumpIndex = i;
        }
        long ts = s.ts(i);
        s.sentAt.set((int) (i & MASK), System.nanoTime());
        s.issued.set(i + 1);
        if (!p.isWritable()) {
            publisherBackpressure.incrementAndGet();
        }
        p.sendAudio(clip.frame(i), ts);
        stats.add(Stats.Counter.PACKETS_SENT);
    }

    /** startPlaying with transport flv, retried while the room has not announced the stream yet (1104039). */
    private CompletableFuture<URI> playUrl(Bot b, Stream s, int attempt) {
        long q0 = System.nanoTime();
        return b.engine.startPlayingUrl(s.streamId, "flv").thenCompose(r -> {
            if (r.code() == 1104039 && attempt < 50) {
                CompletableFuture<URI> later = new CompletableFuture<>();
                Bots.SCHEDULER.schedule(() -> playUrl(b, s, attempt + 1).whenComplete((u, e) -> {
                    if (e != null) {
                        later.completeExceptionally(e);
                    } else {
                        later.complete(u);
                    }
                }), 20, TimeUnit.MILLISECONDS);
                return later;
            }
            stats.record(Stats.Timer.PLAY_URL, System.nanoTime() - q0);
            return CompletableFuture.completedFuture(url(r));
        });
    }

    private void startFlvPlayer(Stream s, int k) {
        Bot b = newBot(s.bot.room, "flv" + k);
        FlvSub sub = new FlvSub(s, b);
        Bots.enter(b, tokens, stats).thenCompose(in -> in ? playUrl(b, s, 0) : CompletableFuture.completedFuture((URI) null)).whenComplete((u, e) -> {
            if (e != null) {
                failures.incrementAndGet();
                stats.error("startPlaying flv: " + Bots.cause(e));
            } else if (u != null) {
                flvSubs.add(sub);
                sub.player = FlvPlayer.open(group, u, sub, sub.requestSent);
            }
            playersSettled.incrementAndGet();
        });
    }

    private void startWebRtcPlayer(Stream s, int k) {
        Bot b = newBot(s.bot.room, "rtc" + k);
        RtpSub sub = new RtpSub(s);
        Bots.enter(b, tokens, stats).thenCompose(in -> {
            if (!in) {
                return CompletableFuture.completedFuture(null);
            }
            rtpSubs.add(sub);
            long p0 = System.nanoTime();
            return b.engine.startPlaying(s.streamId, sub::onPacket).thenApply(p -> {
                stats.record(Stats.Timer.MEDIA_SETUP, System.nanoTime() - p0);
                sub.connected = true;
                webrtcUp.incrementAndGet();
                return p;
            });
        }).whenComplete((p, e) -> {
            if (e != null) {
                failures.incrementAndGet();
                stats.error("startPlaying webrtc: " + Bots.cause(e));
            }
            playersSettled.incrementAndGet();
        });
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rtmp_publishers_connected", publishersUp.get());
        m.put("flv_players_connected", flvUp.get());
        m.put("webrtc_players_connected", webrtcUp.get());
        m.put("failures", failures.get());
        long frames = 0;
        for (Stream s : streams) {
            frames += s.issued.get();
        }
        m.put("frames_sent", frames);
        m.put("publisher_writes_while_unwritable", publisherBackpressure.get());
        long expected = 0;
        long received = 0;
        long missing = 0;
        long tsErrors = 0;
        long dups = 0;
        int silent = 0;
        for (FlvSub f : flvSubs) {
            if (f.firstIndex < 0) {
                silent++;
                continue;
            }
            expected += f.stream.issued.get() - f.firstIndex;
            received += f.received;
            missing += f.missing;
            tsErrors += f.tsErrors;
            dups += f.duplicates;
        }
        m.put("flv_frames_expected", expected);
        m.put("flv_frames_received", received);
        m.put("flv_frames_lost", expected - received);
        m.put("flv_frame_loss_percent", expected == 0 ? 0.0 : Report.round(100.0 * (expected - received) / expected));
        m.put("flv_gaps_frames", missing);
        m.put("flv_timestamp_errors", tsErrors);
        m.put("flv_duplicates", dups);
        m.put("flv_players_without_audio", silent);
        if (webrtcPlayers > 0) {
            long rtp = 0;
            long rtpLost = 0;
            int synced = 0;
            for (RtpSub r : rtpSubs) {
                rtp += r.received;
                rtpLost += r.lost;
                synced += r.synced ? 1 : 0;
            }
            m.put("rtp_packets_received", rtp);
            m.put("rtp_packets_lost", rtpLost);
            m.put("webrtc_players_timed", synced);
        }
        return m;
    }

    @Override
    public void closeAll(long millis) {
        closing = true;
        sending = false;
        sender.shutdownNow();
        for (Stream s : streams) {
            RtmpPublisher p = s.publisher;
            if (p != null) {
                p.close();
            }
        }
        for (FlvSub f : flvSubs) {
            FlvPlayer p = f.player;
            if (p != null) {
                p.close();
            }
        }
        List<CompletableFuture<?>> closingF = new ArrayList<>();
        for (Bot b : bots) {
            if (b.closing) {
                continue;
            }
            b.closing = true;
            if (b.loggedInAt != 0) {
                b.loggedInAt = 0;
                stats.sessionDown();
            }
            b.engine.close();
            closingF.add(b.engine.closed().exceptionally(e -> null));
        }
        try {
            CompletableFuture.allOf(closingF.toArray(CompletableFuture[]::new)).get(millis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // what did not close in time goes with the process
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
