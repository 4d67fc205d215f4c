'use strict';
// Tone detection on s16le mono PCM: Goertzel energy at the tone's frequency against its neighbours.

function goertzel(samples, rate, freq) {
  const k = 2 * Math.cos(2 * Math.PI * freq / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}

/** Int16 samples of the last `seconds` of a s16le buffer. */
function lastSamples(buf, rate, seconds) {
  const n = Math.min(Math.floor(buf.length / 2), Math.floor(rate * seconds));
  const start = buf.length - n * 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(start + i * 2) / 32768;
  return out;
}

/**
 * How strongly `freq` stands out in the last second of the PCM: energy at freq divided by the largest energy
 * at the probe frequencies around it (0 when there is not yet a second of audio).
 */
function toneRatio(buf, rate, freq, probes) {
  if (buf.length < rate * 2) return 0;
  const x = lastSamples(buf, rate, 1);
  const at = goertzel(x, rate, freq);
  const around = (probes || [freq * 0.63, freq * 0.8, freq * 1.25, freq * 1.6]).map((f) => goertzel(x, rate, f));
  return at / Math.max(1e-12, Math.max.apply(null, around));
}

module.exports = {goertzel, toneRatio};
