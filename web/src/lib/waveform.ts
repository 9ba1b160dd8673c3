// Waveform data for audio clips: a peak envelope computed once per decoded buffer.

/** Peak envelope of a channel in `buckets` columns (min, max pairs in -1..1), for waveforms. */
export function peaks(samples: Float32Array, buckets: number): Float32Array {
  const out = new Float32Array(buckets * 2);
  if (!samples.length || buckets <= 0) return out;
  const per = samples.length / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * per);
    const to = Math.max(from + 1, Math.floor((b + 1) * per));
    let lo = 1;
    let hi = -1;
    for (let i = from; i < to && i < samples.length; i++) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[b * 2] = lo > hi ? 0 : lo;
    out[b * 2 + 1] = lo > hi ? 0 : hi;
  }
  return out;
}
