// alive_growing.frag — the `growing` rule's alive masking: a cell survives when the 3×3 max of
// alpha exceeds 0.1 both before (x_t) and after (u) the update; otherwise all its channels are 0.
// Also turns the packed update back into the plain atlas layout.
//
// Inputs:   u_prev  sampler2DArray  x_t, 4 layers, atlas layout (layout.glsl)
//           u_next  sampler2DArray  u packed by 2 (engine/update.frag; packed.glsl)
// Outputs:  locations 0–3 = layers 0–3 of x_{t+1}, atlas layout
//           location 4 (with STORE_ALIVE) = the mask (1 alive, 0 dead) in .r, for backprop
// Uniforms: u_grid, u_tilesX, u_batch
// Defines:  STORE_ALIVE, PACK (= 2), ALIVE_THRESHOLD (= 0.1)
#include "common/layout.glsl"
#include "common/packed.glsl"

uniform sampler2DArray u_prev;
uniform sampler2DArray u_next;

layout(location = 0) out vec4 o0;
layout(location = 1) out vec4 o1;
layout(location = 2) out vec4 o2;
layout(location = 3) out vec4 o3;
#if STORE_ALIVE
layout(location = 4) out vec4 o4;
#endif

void main() {
  Cell c = fragCell();
  float alive = 0.0;
  if (c.b < u_batch) {
    float before = 0.0;
    float after = 0.0;
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++) {
        before = max(before, quadAt(u_prev, c, ivec2(dx, dy), 0).w);
        after = max(after, packedAt(u_next, c, ivec2(dx, dy), 0).w);
      }
    alive = before > ALIVE_THRESHOLD && after > ALIVE_THRESHOLD ? 1.0 : 0.0;
  }
  ivec2 t = c.origin + c.xy;
  o0 = packedFetch(u_next, t, 0) * alive;
  o1 = packedFetch(u_next, t, 1) * alive;
  o2 = packedFetch(u_next, t, 2) * alive;
  o3 = packedFetch(u_next, t, 3) * alive;
#if STORE_ALIVE
  o4 = vec4(alive);
#endif
}
