// mask.glsl — the update mask of one channel quad (docs/model.md, "Random draws"), the same draw
// for the forward update (pair.glsl) and the backward pass that regenerates it (bw_out.frag).
//
// maskQuad(key, q, threshold): quad q (channels 4q..4q+3) of the cell whose draws `key` keys
// (cellKey): 1 where the 24-bit draw < threshold (rate · 2^24), else 0.
// Needs hash.glsl. Defines: PER_CELL (1: one draw per cell, channel 0; 0: one per channel).
#include "common/hash.glsl"

vec4 maskQuad(uint key, int q, uint threshold) {
#if PER_CELL
  return vec4(draw24(key, 0u) < threshold ? 1.0 : 0.0);
#else
  uint ch = uint(4 * q);
  return vec4(bvec4(draw24(key, ch) < threshold, draw24(key, ch + 1u) < threshold,
                    draw24(key, ch + 2u) < threshold, draw24(key, ch + 3u) < threshold));
#endif
}
