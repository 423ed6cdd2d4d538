// step_seed.frag — one CA step of the `seed` rule, fused: perception, MLP, stochastic update,
// alive masking (docs/model.md, "Update rules").
//
// Inputs:   u_state  sampler2DArray  x_t, 4 layers (channels 4q..4q+3), atlas layout (layout.glsl)
//           u_params sampler2D       parameters (mlp.glsl)
// Outputs:  locations 0–3 = layers 0–3 of x_{t+1}, same layout
// Uniforms: u_grid, u_tilesX, u_batch (layout.glsl)
//           u_seed, u_iteration, u_step  hash counters (hash.glsl)
//           u_threshold  uint  a channel updates when its draw < u_threshold (rate · 2^24)
// Defines:  RULE_SEED, HIDDEN, HIDDEN4, PER_CELL (one draw per cell instead of per channel)
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
  vec4 y[4];
  for (int o4 = 0; o4 < 4; o4++) y[o4] = outputBias(u_params, o4);
  for (int j4 = 0; j4 < HIDDEN4; j4++) outputAccumulate(u_params, j4, atan(hiddenPre(u_params, j4, p)), y);
  uint key = cellKey(u_seed, u_iteration, u_step, uint(c.b), cellIndex(c));
  vec4 u[4];
  for (int q = 0; q < 4; q++) {
    vec4 s = 1.0 / (1.0 + exp(-y[q]));
#if PER_CELL
    bvec4 m = bvec4(draw24(key, 0u) < u_threshold);
#else
    uint ch = uint(4 * q);
    bvec4 m = bvec4(draw24(key, ch) < u_threshold, draw24(key, ch + 1u) < u_threshold,
                    draw24(key, ch + 2u) < u_threshold, draw24(key, ch + 3u) < u_threshold);
#endif
    u[q] = mix(p[q], s, vec4(m));
  }
  float alive = u[0].w > 0.1 ? 1.0 : 0.0;
  o0 = u[0] * alive;
  o1 = u[1] * alive;
  o2 = u[2] * alive;
  o3 = u[3] * alive;
}
