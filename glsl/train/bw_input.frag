// bw_input.frag — gradient of the perception features, g_p = w0ᵀ g_z0, for NQ feature quads
// per draw (the 12 quads take two draws: 8 + 4).
//
// Inputs:   u_hidden sampler2DArray  layers 0..HIDDEN4-1 = g_z0 (bw_hidden.frag), atlas layout
//           u_params sampler2D       parameters (mlp.glsl)
// Outputs:  locations 0..NQ-1 = g_p quads u_base..u_base+NQ-1 (layers of the g_p texture)
// Uniforms: u_grid, u_tilesX, u_batch; u_base int  first feature quad of this draw
// Defines:  HIDDEN, HIDDEN4, NQ (1..8)
#include "common/layout.glsl"
#include "common/mlp.glsl"

uniform sampler2DArray u_hidden;
uniform sampler2D u_params;
uniform int u_base;

layout(location = 0) out vec4 outs[NQ];

void main() {
  Cell c = fragCell();
  vec4 r[NQ];
  for (int k = 0; k < NQ; k++) r[k] = vec4(0.0);
  if (c.b < u_batch) {
    for (int j4 = 0; j4 < HIDDEN4; j4++) {
      vec4 g = quadHere(u_hidden, c, j4);
      // g · block = (w0ᵀ g) for inputs 4 i4 .. 4 i4 + 3 (transposed product of mlp.glsl's layout)
      for (int k = 0; k < NQ; k++) r[k] += g * block(u_params, 4 * (u_base + k), j4);
    }
  }
  // fragment outputs take constant indices only
  outs[0] = r[0];
#if NQ > 1
  outs[1] = r[1];
#endif
#if NQ > 2
  outs[2] = r[2];
#endif
#if NQ > 3
  outs[3] = r[3];
#endif
#if NQ > 4
  outs[4] = r[4];
#endif
#if NQ > 5
  outs[5] = r[5];
#endif
#if NQ > 6
  outs[6] = r[6];
#endif
#if NQ > 7
  outs[7] = r[7];
#endif
}
