// bw_perceive.frag — gradient of x_t: the direct path, the transposed perception stencils applied
// to g_p (zero padding: cells outside the grid contribute nothing), and the loss term when step t
// is in the loss window:
//   g_t = g_direct + g_p[self] + Σ_{dx,dy} Σ_{g=1,2} w_g(dx,dy) · g_p[g](x − dx, y − dy) + lossScale · f'(x_t − target)
//
// Inputs:   u_gp     sampler2DArray  g_p, 12 quads per cell, packed (packed.glsl; bw_input.frag)
//           u_gout   sampler2DArray  layers 4–7 = g_direct (bw_out.frag)
//           u_state  sampler2DArray  x_t, 4 layers (only layer 0, for the loss term)
//           u_target sampler2D       target RGBA, W×H, row 0 = top
// Outputs:  locations 0–3 = g_t, 4 layers
// Uniforms: u_grid, u_tilesX, u_batch, u_row0; u_lossScale float  1/N inside the loss window, else 0
// Defines:  PERCEIVE_MOORE / PERCEIVE_SOBEL (perceive.glsl), LOSS_L1L2, PACK
#include "common/layout.glsl"
#include "common/packed.glsl"
#include "common/perceive.glsl"
#include "common/train.glsl"

uniform sampler2DArray u_gp;
uniform sampler2DArray u_gout;
uniform sampler2DArray u_state;
uniform sampler2D u_target;
uniform float u_lossScale;

layout(location = 0) out vec4 outs[4];

void main() {
  Cell c = fragCell();
  if (c.b >= u_batch) {
    outs[0] = outs[1] = outs[2] = outs[3] = vec4(0.0);
    return;
  }
  vec4 g[4];
  for (int q = 0; q < 4; q++) g[q] = quadHere(u_gout, c, 4 + q) + packedAt(u_gp, c, ivec2(0), q);
  for (int dy = -1; dy <= 1; dy++) {
    for (int dx = -1; dx <= 1; dx++) {
      float w1 = stencilWeight(1, dx, dy);
      float w2 = stencilWeight(2, dx, dy);
      ivec2 d = ivec2(-dx, -dy);
      for (int q = 0; q < 4; q++) {
        if (w1 != 0.0) g[q] += w1 * packedAt(u_gp, c, d, 4 + q);
        if (w2 != 0.0) g[q] += w2 * packedAt(u_gp, c, d, 8 + q);
      }
    }
  }
  if (u_lossScale != 0.0) {
    vec4 e = quadHere(u_state, c, 0) - texelFetch(u_target, c.xy, 0);
    g[0] += u_lossScale * lossDerivative(e);
  }
  outs[0] = g[0]; outs[1] = g[1]; outs[2] = g[2]; outs[3] = g[3];
}
