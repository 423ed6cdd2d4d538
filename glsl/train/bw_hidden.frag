// bw_hidden.frag — hidden layer recompute and backward for hidden quads u_j4 and u_j4 + 1 of two
// neighbouring cells at once (HPACK = 2: the cells share every weight fetch):
//   z0 = w0·p + b0,  act = ruleAct(z0) (atan: seed; relu: growing; rules/<rule>.glsl),
//   g_z0 = act'(z0) · (w1ᵀ g_out),  with g_out = g_z1 = dL/dz1 (bw_out.frag).
//
// Inputs:   u_state  sampler2DArray  x_t (perception quads 0–3), atlas layout
//           u_perc   sampler2DArray  stored perception quads 4..11 of x_t, atlas layout
//           u_gout   sampler2DArray  layers 0–3 = g_out (bw_out.frag), atlas layout
//           u_params sampler2D       parameters (mlp.glsl)
// Outputs:  packed by HPACK = 2 (packed.glsl): location 2·n + k = g_z0 quad u_j4 + n of cell k
//           (layer 2·(u_j4 + n) + k), location 4 + 2·n + k = act quad u_j4 + n of cell k (layer
//           2·(HQ + u_j4 + n) + k). With an odd HIDDEN4 the last draw's second quad is zero.
//           Where both cells' g_out is zero both outputs are zero: act is only defined where it is
//           used, at cells whose g_out is not.
// Uniforms: u_grid, u_tilesX, u_batch, u_row0; u_j4 int (even); u_atlasWidth int
// Defines:  RULE_GLSL (ruleAct, ruleActBack), HIDDEN, HIDDEN4, HQ (HIDDEN4 rounded up to even), PACK (= HPACK = 2)
#include "common/layout.glsl"
#include "common/packed.glsl"
#include "common/mlp.glsl"
#include "common/atan.glsl"
#include "common/train.glsl"
#include RULE_GLSL

uniform sampler2DArray u_state;
uniform sampler2DArray u_perc;
uniform sampler2DArray u_gout;
uniform sampler2D u_params;
uniform int u_j4;
uniform int u_atlasWidth;

layout(location = 0) out vec4 outs[8];

void activation(vec4 z, vec4 back, bool ok, out vec4 gz, out vec4 act) {
  act = ruleAct(z);
  gz = ruleActBack(back, z);
  if (!ok) { gz = vec4(0.0); act = vec4(0.0); }
}

void main() {
  bool ok0, ok1;
  Cell c0 = packedCell(0, u_atlasWidth, ok0);
  Cell c1 = packedCell(1, u_atlasWidth, ok1);
  vec4 g0[4], g1[4];
  vec4 any = vec4(0.0);
  for (int o4 = 0; o4 < 4; o4++) {
    g0[o4] = quadHere(u_gout, c0, o4);
    g1[o4] = quadHere(u_gout, c1, o4);
    any += abs(g0[o4]) + abs(g1[o4]);
  }
  // Cells whose g_out is zero (dead, or not updated this step) have g_z0 = 0, and their activation
  // only ever meets that zero g_out (grad_partial): skip them (a SIMD block of background at once).
  if (all(equal(any, vec4(0.0)))) {
    outs[0] = outs[1] = outs[2] = outs[3] = outs[4] = outs[5] = outs[6] = outs[7] = vec4(0.0);
    return;
  }
  vec4 p0[12], p1[12];
  loadPerception(u_state, u_perc, c0, p0);
  loadPerception(u_state, u_perc, c1, p1);
  for (int n = 0; n < 2; n++) {
    int j4 = u_j4 + n;
    if (j4 >= HIDDEN4) { outs[2] = outs[3] = outs[6] = outs[7] = vec4(0.0); break; }
    vec4 z0 = hiddenBias(u_params, j4);
    vec4 z1 = z0;
    for (int i4 = 0; i4 < 12; i4++) {
      mat4 m = block0(u_params, 4 * i4, j4);
      z0 += m * p0[i4];
      z1 += m * p1[i4];
    }
    // (w1ᵀ g_out) for hidden units 4 j4 .. 4 j4 + 3: the transposed product of mlp.glsl's layout
    vec4 k0 = vec4(0.0), k1 = vec4(0.0);
    for (int o4 = 0; o4 < 4; o4++) {
      mat4 m = block1(u_params, 4 * j4, o4);
      k0 += g0[o4] * m;
      k1 += g1[o4] * m;
    }
    vec4 gz0, a0, gz1, a1;
    activation(z0, k0, ok0, gz0, a0);
    activation(z1, k1, ok1, gz1, a1);
    if (n == 0) { outs[0] = gz0; outs[1] = gz1; outs[4] = a0; outs[5] = a1; }
    else { outs[2] = gz0; outs[3] = gz1; outs[6] = a0; outs[7] = a1; }
  }
}
