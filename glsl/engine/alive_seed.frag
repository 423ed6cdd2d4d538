// alive_seed.frag — the `seed` rule's alive masking: a cell whose own updated alpha is ≤ 0.1 is
// zeroed; also turns the packed update back into the plain atlas layout.
//
// Inputs:   u_next  sampler2DArray  u packed by 2 (engine/update.frag; packed.glsl)
// Outputs:  locations 0–3 = layers 0–3 of x_{t+1}, atlas layout
// Uniforms: u_grid, u_tilesX, u_batch
// Defines:  PACK (= 2), ALIVE_THRESHOLD (= 0.1)
#include "common/layout.glsl"
#include "common/packed.glsl"

uniform sampler2DArray u_next;

layout(location = 0) out vec4 outs[4];

void main() {
  Cell c = fragCell();
  ivec2 t = c.origin + c.xy;
  vec4 u0 = packedFetch(u_next, t, 0);
  float alive = c.b < u_batch && u0.w > ALIVE_THRESHOLD ? 1.0 : 0.0;
  outs[0] = u0 * alive;
  outs[1] = packedFetch(u_next, t, 1) * alive;
  outs[2] = packedFetch(u_next, t, 2) * alive;
  outs[3] = packedFetch(u_next, t, 3) * alive;
}
