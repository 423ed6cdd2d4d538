// rules/growing.glsl — the `growing` rule's MLP nonlinearities, update and the update's backward
// (docs/model.md, "Update rules"; its registry entry is RULES.growing in src/engine/rules.ts).
// Included by the generic passes through `#include RULE_GLSL`.
//
//   ruleAct(z)              hidden activation: relu
//   ruleActBack(g, z)       dL/dz from g = dL/da: g · [z > 0]
//   ruleUpdate(x, m, z1)    u from x, the mask m and the output z1 (no nonlinearity): x + m · z1
//   ruleUpdateBack(g, m, z1, gz1, gx)
//                           from g = dL/du: gz1 = dL/dz1 = m · g, gx = dL/dx = g (z1 is not read,
//                           so bw_out does not recompute the MLP: RuleSpec.passes.bwOutReadsParams)

vec4 ruleAct(vec4 z) { return max(z, 0.0); }

vec4 ruleActBack(vec4 g, vec4 z) { return g * vec4(greaterThan(z, vec4(0.0))); }

vec4 ruleUpdate(vec4 x, vec4 m, vec4 z1) { return x + m * z1; }

void ruleUpdateBack(vec4 g, vec4 m, vec4 z1, out vec4 gz1, out vec4 gx) {
  gz1 = m * g;
  gx = g;
}
