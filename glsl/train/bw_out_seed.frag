// bw_out_seed.frag — backward through the seed rule's alive mask, stochastic replacement and
// output sigmoid. Recomputes the cell's forward (z0, a, z1, y, u) from the stored perception:
//   g_u = alive · g_{t+1},  g_y = m · g_u,  g_z1 = g_y · y(1−y),  g_direct = (1−m) · g_u.
//
// Inputs:   u_state  sampler2DArray  x_t (own cell), 4 layers, atlas layout
//           u_perc   sampler2DArray  stored perception quads 4..11 of x_t (train/perceive.frag)
//           u_grad   sampler2DArray  g_{t+1}, 4 layers
//           u_params sampler2D       parameters (mlp.glsl)
// Outputs:  locations 0–3 = g_z1 (layers 0–3 of the output-gradient texture)
//           locations 4–7 = g_direct (its layers 4–7)
// Uniforms: u_grid, u_tilesX, u_batch; u_seed, u_iteration, u_step (= t), u_threshold
// Defines:  HIDDEN, HIDDEN4, PERCEPTION, PER_CELL, ALIVE_THRESHOLD (src/engine/rules.ts)
#include "common/layout.glsl"
#include "common/hash.glsl"
#include "common/mask.glsl"
#include "common/mlp.glsl"
#include "common/atan.glsl"
#include "common/train.glsl"

uniform sampler2DArray u_state;
uniform sampler2DArray u_perc;
uniform sampler2DArray u_grad;
uniform sampler2D u_params;
uniform uint u_seed;
uniform uint u_iteration;
uniform uint u_step;
uniform uint u_threshold;

layout(location = 0) out vec4 o0;
layout(location = 1) out vec4 o1;
layout(location = 2) out vec4 o2;
layout(location = 3) out vec4 o3;
layout(location = 4) out vec4 o4;
layout(location = 5) out vec4 o5;
layout(location = 6) out vec4 o6;
layout(location = 7) out vec4 o7;

void main() {
  Cell c = fragCell();
  if (c.b >= u_batch) { o0 = o1 = o2 = o3 = o4 = o5 = o6 = o7 = vec4(0.0); return; }
  vec4 p[12];
  loadPerception(u_state, u_perc, c, p);
  vec4 y[4];
  for (int o4 = 0; o4 < 4; o4++) y[o4] = outputBias(u_params, o4);
  for (int j4 = 0; j4 < HIDDEN4; j4++) outputAccumulate(u_params, j4, ncaAtan(hiddenPre(u_params, j4, p)), y);
  uint key = cellKey(u_seed, u_iteration, u_step, uint(c.b), cellIndex(c));
  vec4 m[4];
  for (int q = 0; q < 4; q++) {
    y[q] = 1.0 / (1.0 + exp(-y[q]));
    m[q] = maskQuad(key, q, u_threshold);
  }
  float alpha = mix(p[0].w, y[0].w, m[0].w);
  float alive = alpha > ALIVE_THRESHOLD ? 1.0 : 0.0;
  vec4 gz1[4];
  vec4 gd[4];
  for (int q = 0; q < 4; q++) {
    vec4 gu = alive * quadHere(u_grad, c, q);
    gz1[q] = m[q] * gu * y[q] * (1.0 - y[q]);
    gd[q] = (1.0 - m[q]) * gu;
  }
  o0 = gz1[0]; o1 = gz1[1]; o2 = gz1[2]; o3 = gz1[3];
  o4 = gd[0]; o5 = gd[1]; o6 = gd[2]; o7 = gd[3];
}
