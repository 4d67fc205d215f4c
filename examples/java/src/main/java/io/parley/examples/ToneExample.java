package io.parley.examples;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.parley.client.ParleyEngine;
import io.parley.client.Result;
import io.parley.client.media.Publisher;
import io.parley.protocol.signal.Messages;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Parley's Java client used as a library: logs in to a room, publishes a 440 Hz tone as a stream and plays a
 * stream (its own: the server forwards it as it would anyone's), decoding what it hears. The region between
 * {@code README:begin} and {@code README:end} is the README's snippet, word for word (ToneExampleTest checks it).
 *
 * <pre>
 * java -jar examples/java/target/parley-example-java.jar ws://127.0.0.1:8080/ws APP_ID TOKEN [USER_ID [ROOM_ID [SECONDS]]]
 * </pre>
 */
public final class ToneExample {
    static final int SAMPLE_RATE = 48_000;
    static final int FRAME_SAMPLES = 960; // 20 ms
    static final double TONE_HZ = 440;

    private ToneExample() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length > 6) {
            System.err.println("usage: ToneExample ws://host:port/ws APP_ID TOKEN [USER_ID [ROOM_ID [SECONDS]]]");
            System.err.println("  (a dev-mode server prints its AppID and mints tokens: curl 'http://127.0.0.1:8080/dev/token?user=alice')");
            System.exit(2);
        }
        String userID = args.length > 3 ? args[3] : "alice";
        String roomID = args.length > 4 ? args[4] : "room-1";
        int seconds = args.length > 5 ? Integer.parseInt(args[5]) : 5;
        Heard heard;
        try {
            heard = run(URI.create(args[0]), Long.parseLong(args[1]), args[2], userID, roomID, seconds * 50);
        } catch (IllegalStateException | CompletionException e) {
            // a refused login, or a refused or failed publish/play (a ResultException with the code)
            System.err.println("error: " + (e instanceof CompletionException && e.getCause() != null
                    ? e.getCause().getMessage() : e.getMessage()));
            System.exit(1);
            return;
        }
        System.out.printf("played %s: %d packets, %.1f s of audio%n", userID + "-tone", heard.packets(),
                heard.pcm().length / (double) SAMPLE_RATE);
    }

    /** Logs in, publishes {@code frames} 20 ms frames of the tone as {@code <userID>-tone}, plays that stream. */
    public static Heard run(URI server, long appID, String token, String userID, String roomID, int frames)
            throws InterruptedException {
        String streamID = userID + "-tone";
        // README:begin
        ParleyEngine engine = ParleyEngine.create(appID, server); // server: ws://host:port/ws
        engine.setRoomStreamUpdateListener((room, type, streams, extra) -> System.out.println(type + " " + streams));
        try (engine) {
            Result login = engine.loginRoom(roomID, token, new Messages.User(userID, userID),
                    new Messages.RoomConfig(true, 0)).join();
            if (!login.ok()) {
                throw new IllegalStateException("login refused: " + login.code() + " " + login.message());
            }
            // startPublishing(streamID, extraInfo) would only announce the stream: startPublishingMedia also opens
            // its WebRTC transport (ICE, DTLS-SRTP) and completes with a Publisher that sends Opus frames.
            Publisher publisher = engine.startPublishingMedia(streamID, "").join();
            // Plays a stream (here our own, as the server allows): each RTP packet goes to the listener.
            Heard heard = new Heard();
            engine.startPlaying(streamID, packet -> heard.add(packet.payload())).join();

            // A microphone hands over a 20 ms Opus frame every 20 ms; so does this tone, on the caller's thread.
            Tone tone = new Tone(TONE_HZ);
            long due = System.nanoTime();
            for (int i = 0; i < frames; i++) {
                publisher.sendFrame(tone.nextFrame());
                due += TimeUnit.MILLISECONDS.toNanos(20);
                TimeUnit.NANOSECONDS.sleep(due - System.nanoTime());
            }
            heard.awaitQuiet(Duration.ofMillis(500)); // what is still on its way arrives before we stop playing

            engine.stopPlaying(streamID).join();
            engine.stopPublishing(streamID).join();
            engine.logoutRoom().join();
            return heard;
        }
        // README:end
    }

    /** A sine tone as 20 ms Opus frames (Concentus, a pure-Java Opus). */
    static final class Tone {
        private final OpusEncoder encoder;
        private final double hz;
        private final short[] pcm = new short[FRAME_SAMPLES];
        private final byte[] out = new byte[1275];
        private long sample;

        Tone(double hz) {
            this.hz = hz;
            try {
                encoder = new OpusEncoder(SAMPLE_RATE, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
            } catch (OpusException e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] nextFrame() {
            for (int i = 0; i < FRAME_SAMPLES; i++, sample++) {
                pcm[i] = (short) (8000 * Math.sin(2 * Math.PI * hz * sample / SAMPLE_RATE));
            }
            try {
                return Arrays.copyOf(out, encoder.encode(pcm, 0, FRAME_SAMPLES, out, 0, out.length));
            } catch (OpusException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What a player heard: its Opus packets decoded to 48 kHz mono PCM (called on the player's event loop). */
    public static final class Heard {
        private final OpusDecoder decoder;
        private final short[] frame = new short[5760];
        private short[] pcm = new short[SAMPLE_RATE];
        private int samples;
        private long packets;
        private long undecodable;
        private long lastArrival = System.nanoTime();

        Heard() {
            try {
                decoder = new OpusDecoder(SAMPLE_RATE, 1);
            } catch (OpusException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * Waits until no packet has arrived for {@code quiet} (at most 10 s): a busy machine may still be forwarding
         * the last frames sent.
         */
        synchronized void awaitQuiet(Duration quiet) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (;;) {
                long now = System.nanoTime();
                long until = Math.min(lastArrival + quiet.toNanos(), deadline);
                if (now - until >= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, until - now);
            }
        }

        synchronized void add(byte[] opus) {
            lastArrival = System.nanoTime();
            int n;
            try {
                n = decoder.decode(opus, 0, opus.length, frame, 0, frame.length, false);
            } catch (OpusException | RuntimeException e) {
                undecodable++; // counted, not thrown: the listener runs on the player's event loop
                return;
            }
            if (samples + n > pcm.length) {
                pcm = Arrays.copyOf(pcm, Math.max(pcm.length * 2, samples + n));
            }
            System.arraycopy(frame, 0, pcm, samples, n);
            samples += n;
            packets++;
        }

        public synchronized long packets() {
            return packets;
        }

        /** Packets that were not Opus this decoder could read. */
        public synchronized long undecodable() {
            return undecodable;
        }

        /** 48 kHz mono samples, in arrival order. */
        public synchronized short[] pcm() {
            return Arrays.copyOf(pcm, samples);
        }
    }
}
