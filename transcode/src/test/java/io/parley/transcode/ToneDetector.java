package io.parley.transcode;

/** Goertzel-based tone check for tests: how much of a signal's energy sits at one frequency. */
final class ToneDetector {
    private ToneDetector() {}

    /** Power at {@code freq} (Goertzel), normalised so that a full-length sine of amplitude A gives A²/2. */
    static double power(float[] x, int from, int to, int sampleRate, double freq) {
        int n = to - from;
        double w = 2 * Math.PI * freq / sampleRate;
        double coeff = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        for (int i = from; i < to; i++) {
            double s0 = x[i] + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        double p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        return 2 * p / ((double) n * n);
    }

    /** Mean power (mean of x²). */
    static double meanPower(float[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) x[i] * x[i];
        }
        return sum / (to - from);
    }

    /** Fraction of the signal's power that lies at {@code freq} (1.0 for a pure sine at that frequency). */
    static double toneFraction(float[] x, int from, int to, int sampleRate, double freq) {
        double total = meanPower(x, from, to);
        return total == 0 ? 0 : power(x, from, to, sampleRate, freq) / total;
    }

    /** The strongest power among {@code probes} other frequencies, relative to the power at {@code freq}. */
    static double worstOtherRatio(float[] x, int from, int to, int sampleRate, double freq, double... probes) {
        double tone = power(x, from, to, sampleRate, freq);
        double worst = 0;
        for (double f : probes) {
            worst = Math.max(worst, power(x, from, to, sampleRate, f));
        }
        return worst / tone;
    }
}
