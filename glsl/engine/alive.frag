// alive.frag — alive masking after a rule's update (engine/update.frag), for every rule: a cell
// that fails the rule's alive test gets all its channels zeroed; also turns the packed update back
// into the plain atlas layout. The test is the registry's (RuleSpec.alive; docs/model.md, "Update
// rules"), one of:
//   ALIVE_SELF           the cell's own updated alpha u_3 > ALIVE_THRESHOLD
//   ALIVE_NEIGHBOURHOOD  the 3×3 max of alpha > ALIVE_THRESHOLD both before (x_t) and after (u)
//   ALIVE_NONE           every cell lives (no masking)
// Cells of padding tiles (b ≥ u_batch) are zero.
//
// Inputs:   u_prev  sampler2DArray  x_t, 4 layers, atlas layout (layout.glsl; read by ALIVE_NEIGHBOURHOOD)
//           u_next  sampler2DArray  u packed by 2 (engine/update.frag; packed.glsl)
// Outputs:  locations 0–3 = layers 0–3 of x_{t+1}, atlas layout
//           location 4 (with STORE_ALIVE) = the mask (1 alive, 0 dead) in .r, for backprop
// Uniforms: u_grid, u_tilesX, u_batch, u_row0
// Defines:  ALIVE_SELF, ALIVE_NEIGHBOURHOOD, ALIVE_NONE (one is 1), ALIVE_THRESHOLD (src/engine/rules.ts),
//           STORE_ALIVE, PACK (= 2)
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

// 1.0 when cell c (of a grid of the batch) lives after the update, else 0.0.
float aliveTest(Cell c) {
#if ALIVE_SELF
  return packedHere(u_next, c, 0).w > ALIVE_THRESHOLD ? 1.0 : 0.0;
#elif ALIVE_NEIGHBOURHOOD
  float before = 0.0;
  float after = 0.0;
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++) {
      before = max(before, quadAt(u_prev, c, ivec2(dx, dy), 0).w);
      after = max(after, packedAt(u_next, c, ivec2(dx, dy), 0).w);
    }
  return before > ALIVE_THRESHOLD && after > ALIVE_THRESHOLD ? 1.0 : 0.0;
#elif ALIVE_NONE
  return 1.0;
#else
#error alive.frag: no alive test (ALIVE_SELF, ALIVE_NEIGHBOURHOOD or ALIVE_NONE) is set
#endif
}

void main() {
  Cell c = fragCell();
  float alive = c.b < u_batch ? aliveTest(c) : 0.0;
  o0 = packedHere(u_next, c, 0) * alive;
  o1 = packedHere(u_next, c, 1) * alive;
  o2 = packedHere(u_next, c, 2) * alive;
  o3 = packedHere(u_next, c, 3) * alive;
#if STORE_ALIVE
  o4 = vec4(alive);
#endif
}
