// alive_growing.frag — the `growing` rule's alive masking: a cell survives when the 3×3 max of
// alpha exceeds 0.1 both before (x_t) and after (u) the update; otherwise all its channels are 0.
//
// Inputs:   u_prev  sampler2DArray  x_t, 4 layers, atlas layout (layout.glsl)
//           u_next  sampler2DArray  u, the unmasked update (update_growing.frag)
// Outputs:  locations 0–3 = layers 0–3 of x_{t+1}
//           location 4 (with STORE_ALIVE) = the mask (1 alive, 0 dead) in .r, for backprop
// Uniforms: u_grid, u_tilesX, u_batch
// Defines:  STORE_ALIVE
#include "common/layout.glsl"

uniform sampler2DArray u_prev;
uniform sampler2DArray u_next;

layout(location = 0) out vec4 o0;
layout(location = 1) out vec4 o1;
layout(location = 2) out vec4 o2;
layout(location = 3) out vec4 o3;
#if STORE_ALIVE
layout(location = 4) out vec4 o4;
#endif

float maxAlpha(sampler2DArray s, Cell c) {
  float m = 0.0;
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++) m = max(m, quadAt(s, c, ivec2(dx, dy), 0).w);
  return m;
}

void main() {
  Cell c = fragCell();
  float alive = 0.0;
  if (c.b < u_batch) alive = (maxAlpha(u_prev, c) > 0.1 && maxAlpha(u_next, c) > 0.1) ? 1.0 : 0.0;
  o0 = quadHere(u_next, c, 0) * alive;
  o1 = quadHere(u_next, c, 1) * alive;
  o2 = quadHere(u_next, c, 2) * alive;
  o3 = quadHere(u_next, c, 3) * alive;
#if STORE_ALIVE
  o4 = vec4(alive);
#endif
}
