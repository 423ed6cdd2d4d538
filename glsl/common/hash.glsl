// hash.glsl — the counter-based hash shared by every pass that draws random numbers.
// Bit-identical to src/engine/hash.ts (lowbias32 finaliser; see the comment there).
//   cellKey(seed, iteration, step, batch, cell) chains the counters; cell = y * W + x.
//   draw24(key, channel) is a 24-bit draw; a draw fires when draw24 < threshold, where
//   threshold = floor(rate * 2^24) is computed on the CPU and passed as a uint.

uint hash32(uint x) {
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

uint cellKey(uint seed, uint iteration, uint step, uint batch, uint cell) {
  uint h = hash32(seed);
  h = hash32(h ^ iteration);
  h = hash32(h ^ step);
  h = hash32(h ^ batch);
  return hash32(h ^ cell);
}

uint draw24(uint key, uint channel) {
  return hash32(key ^ channel) >> 8u;
}

float unit01(uint d24) {
  return float(d24) * (1.0 / 16777216.0);
}
