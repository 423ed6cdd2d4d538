// bw_input.frag — gradient of the perception features, g_p = w0ᵀ g_z0, for feature quads u_base
// and u_base + 1 of 4 cells at once (PACK = 4; six draws cover the 12 quads).
//
// Inputs:   u_hidden sampler2DArray  packed by HPACK = 2: texel (2·X + k/2), layer 2·j4 + k%2 = g_z0 quad j4 of cell 4·X + k
//           u_gout   sampler2DArray  layers 0–3 = g_out (bw_out.frag), atlas layout: where it is zero
//                                    for all four cells, so is g_z0, and the fragment writes zeros
//           u_params sampler2D       parameters (mlp.glsl)
// Outputs:  locations 4·n + k = g_p quad u_base + n of cell k (packed layers 4·(u_base + n) + k)
// Uniforms: u_base int; u_atlasWidth int
// Defines:  HIDDEN, HIDDEN4, PACK (= 4), HPACK (= 2), LOSS_L1L2 (train.glsl)
// Padding cells have g_z0 = 0, so they get g_p = 0 without a test.
#include "common/layout.glsl"
#include "common/mlp.glsl"
#include "common/train.glsl"

uniform sampler2DArray u_hidden;
uniform sampler2DArray u_gout;
uniform sampler2D u_params;
uniform int u_base;
uniform int u_atlasWidth;

layout(location = 0) out vec4 outs[8];

void main() {
  ivec2 t = ivec2(gl_FragCoord.xy);
  bool idle = true;
  for (int k = 0; k < PACK; k++) {
    int x = PACK * t.x + k;
    if (x < u_atlasWidth) idle = idle && outputIdle(u_gout, ivec2(x, t.y));
  }
  if (idle) {
    outs[0] = outs[1] = outs[2] = outs[3] = outs[4] = outs[5] = outs[6] = outs[7] = vec4(0.0);
    return;
  }
  vec4 a0 = vec4(0.0), a1 = vec4(0.0), a2 = vec4(0.0), a3 = vec4(0.0);
  vec4 b0 = vec4(0.0), b1 = vec4(0.0), b2 = vec4(0.0), b3 = vec4(0.0);
  for (int j4 = 0; j4 < HIDDEN4; j4++) {
    vec4 g0 = texelFetch(u_hidden, ivec3(2 * t.x, t.y, 2 * j4), 0);
    vec4 g1 = texelFetch(u_hidden, ivec3(2 * t.x, t.y, 2 * j4 + 1), 0);
    vec4 g2 = texelFetch(u_hidden, ivec3(2 * t.x + 1, t.y, 2 * j4), 0);
    vec4 g3 = texelFetch(u_hidden, ivec3(2 * t.x + 1, t.y, 2 * j4 + 1), 0);
    // g · block = (w0ᵀ g) for inputs 4 i4 .. 4 i4 + 3 (transposed product of mlp.glsl's layout)
    mat4 ma = block0(u_params, 4 * u_base, j4);
    mat4 mb = block0(u_params, 4 * u_base + 4, j4);
    a0 += g0 * ma; a1 += g1 * ma; a2 += g2 * ma; a3 += g3 * ma;
    b0 += g0 * mb; b1 += g1 * mb; b2 += g2 * mb; b3 += g3 * mb;
  }
  outs[0] = a0; outs[1] = a1; outs[2] = a2; outs[3] = a3;
  outs[4] = b0; outs[5] = b1; outs[6] = b2; outs[7] = b3;
}
