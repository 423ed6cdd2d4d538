// bw_out_growing.frag — backward through the growing rule's alive mask and stochastic update:
//   g_u = A · g_{t+1},  g_dx = m · g_u (to the MLP),  g_direct = g_u (to x_t through x + m·dx).
// A is the alive mask stored by the forward pass, m the update mask regenerated from the hash.
//
// Inputs:   u_grad   sampler2DArray  g_{t+1} = dL/dx_{t+1}, 4 layers, atlas layout
//           u_alive  sampler2DArray  alive masks of the rollout (R8), layer u_aliveLayer = step t
// Outputs:  locations 0–3 = g_dx (layers 0–3 of the output-gradient texture)
//           locations 4–7 = g_direct (its layers 4–7)
// Uniforms: u_grid, u_tilesX, u_batch; u_seed, u_iteration, u_step (= t), u_threshold (hash.glsl)
//           u_aliveLayer int
// Defines:  PER_CELL (mask.glsl)
#include "common/layout.glsl"
#include "common/hash.glsl"
#include "common/mask.glsl"

uniform sampler2DArray u_grad;
uniform sampler2DArray u_alive;
uniform int u_aliveLayer;
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
  vec4 gu[4];
  vec4 gdx[4];
  float a = c.b < u_batch ? texelFetch(u_alive, ivec3(c.origin + c.xy, u_aliveLayer), 0).r : 0.0;
  uint key = cellKey(u_seed, u_iteration, u_step, uint(c.b), cellIndex(c));
  for (int q = 0; q < 4; q++) {
    gu[q] = a * quadHere(u_grad, c, q);
    gdx[q] = maskQuad(key, q, u_threshold) * gu[q];
  }
  o0 = gdx[0]; o1 = gdx[1]; o2 = gdx[2]; o3 = gdx[3];
  o4 = gu[0]; o5 = gu[1]; o6 = gu[2]; o7 = gu[3];
}
