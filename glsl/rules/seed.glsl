// rules/seed.glsl — the `seed` rule's MLP nonlinearities, update and the update's backward
// (docs/model.md, "Update rules"; its registry entry is RULES.seed in src/engine/rules.ts). Included
// by the generic passes through `#include RULE_GLSL`.
//
//   ruleAct(z)              hidden activation: atan
//   ruleActBack(g, z)       dL/dz from g = dL/da: g / (1 + z²)
//   ruleUpdate(x, m, z1)    u from x, the mask m and the output pre-activation z1: m ? sigmoid(z1) : x
//                           (a selection, not a blend: where m = 1, u is y bit for bit)
//   ruleUpdateBack(g, m, z1, gz1, gx)
//                           from g = dL/du: gz1 = dL/dz1 = m · g · y(1 − y) with y = sigmoid(z1),
//                           gx = dL/dx = (1 − m) · g
//   ruleUpdateBackNext(g, m, xn, gz1, gx)
//                           the same from the next state xn = x_{t+1} instead of z1 (RuleSpec.passes.
//                           bwOutReadsNext): where the cell lives and m = 1, xn = u = y exactly; where
//                           it died g = 0, and where m = 0 gz1 = 0 whatever xn holds
#include "common/atan.glsl"

vec4 ruleAct(vec4 z) { return ncaAtan(z); }

vec4 ruleActBack(vec4 g, vec4 z) { return g / (1.0 + z * z); }

vec4 ruleOutput(vec4 z1) { return 1.0 / (1.0 + exp(-z1)); }

vec4 ruleUpdate(vec4 x, vec4 m, vec4 z1) { return mix(x, ruleOutput(z1), greaterThan(m, vec4(0.5))); }


// Where the mask fires u is y, so the backward from y and the one from x_{t+1} are one function.
void ruleUpdateBackNext(vec4 g, vec4 m, vec4 xn, out vec4 gz1, out vec4 gx) {
  gz1 = m * g * xn * (1.0 - xn);
  gx = (1.0 - m) * g;
}

void ruleUpdateBack(vec4 g, vec4 m, vec4 z1, out vec4 gz1, out vec4 gx) {
  ruleUpdateBackNext(g, m, ruleOutput(z1), gz1, gx);
}
