// bw_out.frag — backward through a rule's alive mask and stochastic update, for every rule
// (docs/model.md, "Training iteration"; the rule's part is ruleUpdateBack in rules/<rule>.glsl,
// named by RULE_GLSL):
//   g_u = A · g_{t+1},  (g_z1, g_direct) = ruleUpdateBack(g_u, m, z1)
// g_z1 goes to the MLP (bw_hidden, grad_partial), g_direct to x_t (bw_perceive). m is the update
// mask regenerated from the hash. The alive mask A is, by the rule's registry entry:
//   ALIVE_STORED  the mask the forward pass stored (layer u_aliveLayer of u_alive)
//   ALIVE_SELF    recomputed: ruleUpdate(x, m, z1)'s alpha > ALIVE_THRESHOLD (BW_OUT_MLP), or
//                 x_{t+1}'s alpha > ALIVE_THRESHOLD (BW_OUT_NEXT: alive.frag wrote x_{t+1} = A·u, so
//                 a live cell's x_{t+1} is u and a dead one's is 0, and the threshold is ≥ 0)
//   ALIVE_NONE    1
// What the rule's backward reads (RuleSpec.passes), one of:
//   BW_OUT_MLP    the cell's MLP output pre-activation z1, recomputed from the stored perception
//                 (ruleUpdateBack reads z1, or ALIVE_SELF needs u)
//   BW_OUT_NEXT   the stored next state x_{t+1} (ruleUpdateBackNext): no MLP, no parameters
//   neither       nothing: ruleUpdateBack gets z1 = 0
// Cells of padding tiles (b ≥ u_batch) get zeros.
//
// Inputs:   u_grad   sampler2DArray  g_{t+1} = dL/dx_{t+1}, 4 layers, atlas layout (layout.glsl)
//           u_alive  sampler2DArray  (ALIVE_STORED) alive masks of the rollout (R8), layer u_aliveLayer = step t
//           u_state  sampler2DArray  (BW_OUT_MLP) x_t (own cell), 4 layers, atlas layout
//           u_perc   sampler2DArray  (BW_OUT_MLP) stored perception quads 4..11 of x_t (train/perceive.frag)
//           u_params sampler2D       (BW_OUT_MLP) parameters (mlp.glsl)
//           u_next   sampler2DArray  (BW_OUT_NEXT) x_{t+1}, 4 layers, atlas layout
// Outputs:  locations 0–3 = g_z1 (layers 0–3 of the output-gradient texture)
//           locations 4–7 = g_direct (its layers 4–7)
// Uniforms: u_grid, u_tilesX, u_batch, u_row0; u_seed, u_iteration, u_step (= t), u_threshold (hash.glsl);
//           u_aliveLayer int (ALIVE_STORED)
// Defines:  RULE_GLSL, ALIVE_STORED, ALIVE_SELF, ALIVE_NONE, ALIVE_THRESHOLD, BW_OUT_MLP, BW_OUT_NEXT (src/engine/rules.ts),
//           PER_CELL (mask.glsl); with BW_OUT_MLP: HIDDEN, HIDDEN4, PERCEPTION, HAS_B1, PARAMS_UBO (mlp.glsl)
#include "common/layout.glsl"
#include "common/hash.glsl"
#include "common/mask.glsl"
#include "common/mlp.glsl"
#include "common/train.glsl"
#include RULE_GLSL

uniform sampler2DArray u_grad;
uniform sampler2DArray u_alive;
uniform int u_aliveLayer;
uniform sampler2DArray u_state;
uniform sampler2DArray u_perc;
uniform sampler2D u_params;
uniform sampler2DArray u_next;
uniform uint u_seed;
uniform uint u_iteration;
uniform uint u_step;
uniform uint u_threshold;

layout(location = 0) out vec4 o0;
layout(location = 1) out vec4 o1;
layout(location = 2) out vec4 o2;
layout(location = 3) out vec4 o3;
layout(location = 4) out vec4 o4;
layout(location = 5) out vec4 o5;
layout(location = 6) out vec4 o6;
layout(location = 7) out vec4 o7;

void main() {
  Cell c = fragCell();
  if (c.b >= u_batch) { o0 = o1 = o2 = o3 = o4 = o5 = o6 = o7 = vec4(0.0); return; }
#if BW_OUT_MLP && BW_OUT_NEXT
#error bw_out.frag: BW_OUT_MLP and BW_OUT_NEXT are exclusive
#elif BW_OUT_NEXT
  vec4 xn[4];
  for (int q = 0; q < 4; q++) xn[q] = quadHere(u_next, c, q);
#else
  vec4 x[4];
  vec4 z1[4];
#if BW_OUT_MLP
  vec4 p[12];
  loadPerception(u_state, u_perc, c, p);
  for (int q = 0; q < 4; q++) { x[q] = p[q]; z1[q] = outputBias(u_params, q); }
  for (int j4 = 0; j4 < HIDDEN4; j4++) outputAccumulate(u_params, j4, ruleAct(hiddenPre(u_params, j4, p)), z1);
#else
  for (int q = 0; q < 4; q++) { x[q] = vec4(0.0); z1[q] = vec4(0.0); }
#endif
#endif
  uint key = cellKey(u_seed, u_iteration, u_step, uint(c.b), cellIndex(c));
  vec4 m[4];
  for (int q = 0; q < 4; q++) m[q] = maskQuad(key, q, u_threshold);
#if ALIVE_STORED
  float alive = quadHere(u_alive, c, u_aliveLayer).r;
#elif ALIVE_SELF && BW_OUT_MLP
  float alive = ruleUpdate(x[0], m[0], z1[0]).w > ALIVE_THRESHOLD ? 1.0 : 0.0;
#elif ALIVE_SELF && BW_OUT_NEXT
  float alive = xn[0].w > ALIVE_THRESHOLD ? 1.0 : 0.0;
#elif ALIVE_NONE
  float alive = 1.0;
#else
#error bw_out.frag: the alive mask is neither stored (ALIVE_STORED), recomputable (ALIVE_SELF with BW_OUT_MLP or BW_OUT_NEXT) nor absent (ALIVE_NONE)
#endif
  vec4 gz1[4];
  vec4 gd[4];
#if BW_OUT_NEXT
  for (int q = 0; q < 4; q++) ruleUpdateBackNext(alive * quadHere(u_grad, c, q), m[q], xn[q], gz1[q], gd[q]);
#else
  for (int q = 0; q < 4; q++) ruleUpdateBack(alive * quadHere(u_grad, c, q), m[q], z1[q], gz1[q], gd[q]);
#endif
  o0 = gz1[0]; o1 = gz1[1]; o2 = gz1[2]; o3 = gz1[3];
  o4 = gd[0]; o5 = gd[1]; o6 = gd[2]; o7 = gd[3];
}
