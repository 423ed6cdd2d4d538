// update.frag — a rule's update before alive masking, two cells per fragment:
// u = ruleUpdate(x, m, w1 · ruleAct(w0 · p + b0) + b1) (docs/model.md, "Update rules"; the rule's
// functions come from its GLSL file, rules/<rule>.glsl, named by RULE_GLSL). The alive pass
// (alive.frag) follows.
//
// Inputs:   u_state  sampler2DArray  x_t, 4 layers, atlas layout (layout.glsl)
//           u_params sampler2D       parameters (mlp.glsl; b1 texels are zero without HAS_B1)
// Outputs:  location 2·q + k = quad q of cell k of the pair: u packed by 2 (pair.glsl), 8 layers
// Uniforms: u_grid, u_tilesX, u_batch, u_row0; u_atlasWidth int; u_seed, u_iteration, u_step (hash counters);
//           u_threshold  uint  a cell (or channel) updates when its draw < u_threshold (rate · 2^24)
// Defines:  RULE_GLSL, PERCEIVE_*, HIDDEN, HIDDEN4, PER_CELL, PACK (= 2); ALIVE_NEIGHBOURHOOD,
//           ALIVE_THRESHOLD (with the neighbourhood test, pairs with no alpha above the threshold
//           within 2 cells write u = 0 without running the MLP: alive.frag zeroes them anyway)
#include "common/layout.glsl"
#include "common/packed.glsl"
#include "common/hash.glsl"
#include "common/mask.glsl"
#include "common/perceive.glsl"
#include "common/mlp.glsl"
#include "common/pair.glsl"
#include RULE_GLSL

uniform sampler2DArray u_state;
uniform sampler2D u_params;
uniform int u_atlasWidth;
uniform uint u_seed;
uniform uint u_iteration;
uniform uint u_step;
uniform uint u_threshold;

layout(location = 0) out vec4 outs[8];

#if ALIVE_NEIGHBOURHOOD
// Highest alpha within 2 cells of c (a 5×5 window; `wide`: 6×5, the window of c and the cell to its
// right), zero outside the grid.
float alphaNear(Cell c, bool wide) {
  float a = 0.0;
  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 3; dx++)
      if (dx < 3 || wide) a = max(a, quadAt(u_state, c, ivec2(dx, dy), 0).w);
  return a;
}

// True when neither cell of the pair has alpha above the threshold within 2 cells: then each of
// them and each of their neighbours fail the "before" half of the neighbourhood test, so alive.frag
// zeroes them whatever their update is, and no live cell reads their u.
bool farFromLife(Pair pr) {
  if (pr.okA && pr.okB && pr.a.b == pr.b.b) return alphaNear(pr.a, true) <= ALIVE_THRESHOLD;
  return (!pr.okA || alphaNear(pr.a, false) <= ALIVE_THRESHOLD) && (!pr.okB || alphaNear(pr.b, false) <= ALIVE_THRESHOLD);
}
#endif

void main() {
  Pair pr = fragPair(u_atlasWidth);
#if ALIVE_NEIGHBOURHOOD
  // Skip the MLP for pairs far from any life (most of a grid's background): their u is never used.
  // A SIMD renderer skips the branch for a whole block only when every fragment takes it, which is
  // what a background region does.
  if (farFromLife(pr)) {
    outs[0] = outs[1] = outs[2] = outs[3] = outs[4] = outs[5] = outs[6] = outs[7] = vec4(0.0);
    return;
  }
#endif
  vec4 pa[12], pb[12];
  perceiveBoth(u_state, pr, pa, pb);
  vec4 ya[4], yb[4];
  for (int o4 = 0; o4 < 4; o4++) { ya[o4] = outputBias(u_params, o4); yb[o4] = ya[o4]; }
  for (int j4 = 0; j4 < HIDDEN4; j4++) {
    vec4 za, zb;
    hiddenPrePair(u_params, j4, pa, pb, za, zb);
    outputAccumulatePair(u_params, j4, ruleAct(za), ruleAct(zb), ya, yb);
  }
  vec4 ua[4], ub[4];
  for (int q = 0; q < 4; q++) {
    ua[q] = pr.okA ? ruleUpdate(pa[q], updateMask(pr.a, q, u_seed, u_iteration, u_step, u_threshold), ya[q]) : vec4(0.0);
    ub[q] = pr.okB ? ruleUpdate(pb[q], updateMask(pr.b, q, u_seed, u_iteration, u_step, u_threshold), yb[q]) : vec4(0.0);
  }
  outs[0] = ua[0]; outs[1] = ub[0]; outs[2] = ua[1]; outs[3] = ub[1];
  outs[4] = ua[2]; outs[5] = ub[2]; outs[6] = ua[3]; outs[7] = ub[3];
}
