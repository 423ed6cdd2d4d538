// update_growing.frag — the `growing` rule's residual update before alive masking:
// u = x + m · w1 · relu(w0 · p + b0) (docs/model.md, "Update rules"). alive_growing.frag follows.
//
// Inputs:   u_state  sampler2DArray  x_t, 4 layers, atlas layout (layout.glsl)
//           u_params sampler2D       parameters (mlp.glsl)
// Outputs:  locations 0–3 = layers 0–3 of u (unmasked)
// Uniforms: u_grid, u_tilesX, u_batch; u_seed, u_iteration, u_step (hash counters);
//           u_threshold  uint  a cell updates when its draw < u_threshold (rate · 2^24)
// Defines:  RULE_GROWING, HIDDEN, HIDDEN4, PER_CELL (0: one draw per channel)
#include "common/layout.glsl"
#include "common/hash.glsl"
#include "common/perceive.glsl"
#include "common/mlp.glsl"

uniform sampler2DArray u_state;
uniform sampler2D u_params;
uniform uint u_seed;
uniform uint u_iteration;
uniform uint u_step;
uniform uint u_threshold;

layout(location = 0) out vec4 o0;
layout(location = 1) out vec4 o1;
layout(location = 2) out vec4 o2;
layout(location = 3) out vec4 o3;

void main() {
  Cell c = fragCell();
  if (c.b >= u_batch) { o0 = o1 = o2 = o3 = vec4(0.0); return; }
  vec4 p[12];
  perceive(u_state, c, p);
  vec4 d[4];
  for (int o4 = 0; o4 < 4; o4++) d[o4] = outputBias(u_params, o4);
  for (int j4 = 0; j4 < HIDDEN4; j4++) outputAccumulate(u_params, j4, max(hiddenPre(u_params, j4, p), 0.0), d);
  uint key = cellKey(u_seed, u_iteration, u_step, uint(c.b), cellIndex(c));
  vec4 u[4];
  for (int q = 0; q < 4; q++) {
#if PER_CELL
    vec4 m = vec4(draw24(key, 0u) < u_threshold ? 1.0 : 0.0);
#else
    uint ch = uint(4 * q);
    vec4 m = vec4(bvec4(draw24(key, ch) < u_threshold, draw24(key, ch + 1u) < u_threshold,
                        draw24(key, ch + 2u) < u_threshold, draw24(key, ch + 3u) < u_threshold));
#endif
    u[q] = p[q] + m * d[q];
  }
  o0 = u[0];
  o1 = u[1];
  o2 = u[2];
  o3 = u[3];
}
