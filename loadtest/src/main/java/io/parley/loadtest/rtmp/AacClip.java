package io.parley.loadtest.rtmp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pre-encoded AAC-LC frames that RTMP publishers loop: 30 s of a voice-like signal (150 Hz harmonics with vibrato, a
 * 4 Hz syllable envelope and a little noise), 48 kHz mono, 64 kbit/s, made once with
 * {@code ffmpeg -f lavfi -i "aevalsrc=…:s=48000:d=30" -c:a aac -b:a 64k -ac 1 -ar 48000 -f adts voice-48k-mono.aac}
 * (the exact expression is in loadtest/README.md). Every frame's bytes differ from every other's, so a player that
 * receives a frame knows its index modulo {@link #size()}. Immutable.
 */
public final class AacClip {
    public static final String RESOURCE = "/io/parley/loadtest/voice-48k-mono.aac";
    /** Samples per AAC-LC frame. */
    public static final int FRAME_SAMPLES = 1024;

    private final int sampleRate;
    private final int channels;
    private final byte[] audioSpecificConfig;
    private final List<byte[]> frames;
    private final Map<ByteBuffer, Integer> indexOf = new HashMap<>();

    private AacClip(int sampleRate, int channels, byte[] asc, List<byte[]> frames) {
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.audioSpecificConfig = asc;
        this.frames = List.copyOf(frames);
        for (int i = 0; i < frames.size(); i++) {
            if (indexOf.put(ByteBuffer.wrap(frames.get(i)), i) != null) {
                throw new IllegalStateException("AAC clip: frame " + i + " repeats an earlier frame (expected: all distinct)");
            }
        }
    }

    private static volatile AacClip standard;

    /** The clip in this jar's resources (loaded once). */
    public static AacClip standard() {
        AacClip c = standard;
        if (c == null) {
            try (InputStream in = AacClip.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the class path");
                }
                c = fromAdts(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            standard = c;
        }
        return c;
    }

    private static final int[] RATES = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};

    /** Splits an ADTS stream into raw frames and derives the 2-byte AudioSpecificConfig from the first header. */
    static AacClip fromAdts(byte[] adts) {
        List<byte[]> frames = new ArrayList<>();
        int at = 0;
        int profile = -1;
        int freqIndex = -1;
        int chans = -1;
        while (at + 7 <= adts.length) {
            if ((adts[at] & 0xFF) != 0xFF || (adts[at + 1] & 0xF0) != 0xF0) {
                throw new IllegalArgumentException("ADTS: no sync word at byte " + at);
            }
            boolean crcAbsent = (adts[at + 1] & 1) == 1;
            int p = (adts[at + 2] & 0xC0) >>> 6;
            int f = (adts[at + 2] & 0x3C) >>> 2;
            int c = ((adts[at + 2] & 1) << 2) | ((adts[at + 3] & 0xC0) >>> 6);
            int len = ((adts[at + 3] & 3) << 11) | ((adts[at + 4] & 0xFF) << 3) | ((adts[at + 5] & 0xE0) >>> 5);
            int header = crcAbsent ? 7 : 9;
            if (len < header || at + len > adts.length) {
                throw new IllegalArgumentException("ADTS: frame length " + len + " at byte " + at);
            }
            if (profile < 0) {
                profile = p;
                freqIndex = f;
                chans = c;
            }
            byte[] raw = new byte[len - header];
            System.arraycopy(adts, at + header, raw, 0, raw.length);
            frames.add(raw);
            at += len;
        }
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("ADTS: no frames");
        }
        int objectType = profile + 1; // ADTS profile is the object type minus one (1 = AAC-LC)
        int asc = objectType << 11 | freqIndex << 7 | chans << 3;
        return new AacClip(RATES[freqIndex], chans, new byte[] {(byte) (asc >>> 8), (byte) asc}, frames);
    }

    public int sampleRate() {
        return sampleRate;
    }

    public int channels() {
        return channels;
    }

    public byte[] audioSpecificConfig() {
        return audioSpecificConfig.clone();
    }

    public int size() {
        return frames.size();
    }

    /** Frame {@code i} of an endless loop of the clip (not copied: do not modify). */
    public byte[] frame(long i) {
        return frames.get((int) Math.floorMod(i, (long) frames.size()));
    }

    /** The index in the clip of a raw frame's bytes, or -1 when it is none of them. */
    public int indexOf(ByteBuffer raw) {
        Integer i = indexOf.get(raw);
        return i == null ? -1 : i;
    }

    /** RTMP/FLV timestamp in ms of frame {@code i} counted from 0 (floor of its first sample's time). */
    public long timestampOf(long i) {
        return i * FRAME_SAMPLES * 1000 / sampleRate;
    }

    /** Nanoseconds of audio per frame (21.33 ms at 48 kHz). */
    public long frameNanos() {
        return FRAME_SAMPLES * 1_000_000_000L / sampleRate;
    }
}
