// bw_hidden.frag — hidden layer forward recompute and backward, for NQ hidden quads per draw:
//   z0 = w0·p + b0,  act = atan(z0) (seed) | relu(z0) (growing),
//   g_z0 = act'(z0) · (w1ᵀ g_out),  with g_out = g_z1 (seed) or g_dx (growing).
//
// Inputs:   u_state  sampler2DArray  x_t (own cell), 4 layers, atlas layout
//           u_perc   sampler2DArray  stored perception quads 4..11 of x_t
//           u_gout   sampler2DArray  output-side gradient (layers 0–3; bw_out_*.frag)
//           u_params sampler2D       parameters (mlp.glsl)
// Outputs:  locations 0..NQ-1      = g_z0 quads u_base..u_base+NQ-1 (layers of the hidden texture)
//           locations NQ..2NQ-1    = act quads u_base..u_base+NQ-1 (layers HIDDEN4 + j4 of it)
// Uniforms: u_grid, u_tilesX, u_batch; u_base int  first hidden quad of this draw
// Defines:  RULE_SEED / RULE_GROWING, HIDDEN, HIDDEN4, NQ (1..4)
#include "common/layout.glsl"
#include "common/mlp.glsl"
#include "common/train.glsl"

uniform sampler2DArray u_state;
uniform sampler2DArray u_perc;
uniform sampler2DArray u_gout;
uniform sampler2D u_params;
uniform int u_base;

layout(location = 0) out vec4 outs[2 * NQ];

void main() {
  Cell c = fragCell();
  vec4 gz[4];
  vec4 act[4];
  for (int k = 0; k < 4; k++) { gz[k] = vec4(0.0); act[k] = vec4(0.0); }
  if (c.b < u_batch) {
    vec4 p[12];
    loadPerception(u_state, u_perc, c, p);
    vec4 go[4];
    for (int q = 0; q < 4; q++) go[q] = quadHere(u_gout, c, q);
    for (int k = 0; k < NQ; k++) {
      int j4 = u_base + k;
      vec4 z = hiddenPre(u_params, j4, p);
      // (w1ᵀ g_out) for hidden units 4 j4 .. 4 j4 + 3: the transposed product of mlp.glsl's layout
      vec4 back = vec4(0.0);
      for (int o4 = 0; o4 < 4; o4++) back += go[o4] * block(u_params, 4 * j4, HIDDEN4 + o4);
#if RULE_SEED
      act[k] = atan(z);
      gz[k] = back / (1.0 + z * z);
#else
      act[k] = max(z, 0.0);
      gz[k] = back * vec4(greaterThan(z, vec4(0.0)));
#endif
    }
  }
  // fragment outputs take constant indices only
  outs[0] = gz[0]; outs[NQ] = act[0];
#if NQ > 1
  outs[1] = gz[1]; outs[NQ + 1] = act[1];
#endif
#if NQ > 2
  outs[2] = gz[2]; outs[NQ + 2] = act[2];
#endif
#if NQ > 3
  outs[3] = gz[3]; outs[NQ + 3] = act[3];
#endif
}
