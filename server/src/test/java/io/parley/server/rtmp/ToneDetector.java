package io.parley.server.rtmp;

/** Finds a pure tone in 16-bit mono PCM: Goertzel energy at the tone vs. at other frequencies. */
public final class ToneDetector {
    private ToneDetector() {}

    /** Little-endian signed 16-bit samples to doubles. */
    public static double[] s16le(byte[] pcm) {
        double[] out = new double[pcm.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) ((pcm[2 * i] & 0xFF) | (pcm[2 * i + 1] << 8));
        }
        return out;
    }

    /** Goertzel power of {@code freq} over the samples. */
    public static double power(double[] x, int from, int to, double freq, int sampleRate) {
        double w = 2 * Math.PI * freq / sampleRate;
        double coeff = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        for (int i = from; i < to; i++) {
            double s = x[i] + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        return s1 * s1 + s2 * s2 - coeff * s1 * s2;
    }

    /**
     * Fraction of analysis windows (of {@code window} samples) where {@code freq} carries at least {@code ratio}
     * times the power of each of a handful of other frequencies, and the window is not silent.
     */
    public static double toneFraction(double[] x, double freq, int sampleRate, int window, double ratio) {
        double[] others = {freq * 0.5, freq * 0.7, freq * 1.4, freq * 2.3, freq * 3.1};
        int windows = 0;
        int hits = 0;
        for (int at = 0; at + window <= x.length; at += window) {
            windows++;
            double p = power(x, at, at + window, freq, sampleRate);
            boolean ok = p > 1e6;
            for (double o : others) {
                ok &= p >= ratio * power(x, at, at + window, o, sampleRate);
            }
            hits += ok ? 1 : 0;
        }
        return windows == 0 ? 0 : (double) hits / windows;
    }
}
