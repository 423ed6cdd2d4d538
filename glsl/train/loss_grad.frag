// loss_grad.frag — starts the backward pass: g_T = dL/dx_T = lossScale · f'(x_T − target) on
// RGBA, zero on the hidden channels.
//
// Inputs:   u_state  sampler2DArray  x_T, atlas layout (layer 0 = RGBA)
//           u_target sampler2D       target RGBA, W×H, row 0 = top
// Outputs:  locations 0–3 = g_T, 4 layers
// Uniforms: u_grid, u_tilesX, u_batch, u_row0; u_lossScale float  (1/N)
// Defines:  LOSS_L1L2
#include "common/layout.glsl"
#include "common/train.glsl"

uniform sampler2DArray u_state;
uniform sampler2D u_target;
uniform float u_lossScale;

layout(location = 0) out vec4 outs[4];

void main() {
  Cell c = fragCell();
  vec4 g = vec4(0.0);
  if (c.b < u_batch) g = u_lossScale * lossDerivative(quadHere(u_state, c, 0) - texelFetch(u_target, c.xy, 0));
  outs[0] = g;
  outs[1] = outs[2] = outs[3] = vec4(0.0);
}
