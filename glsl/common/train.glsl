// train.glsl — helpers shared by the training passes.
//
// Stored perception (train/perceive.frag) keeps only feature quads 4..11 (8 layers): quads 0..3
// are the cell's own channels, read from the state itself.
// outputIdle: whether a cell's output gradient is zero (the backward passes skip such cells).
// Loss: e = x[rgba] - target; LOSS_L1L2 selects |e| + e^2 (the article's), else e^2 (MSE).
// Needs layout.glsl. Defines: LOSS_L1L2.

void loadPerception(sampler2DArray state, sampler2DArray perc, Cell c, out vec4 p[12]) {
  for (int q = 0; q < 4; q++) p[q] = quadHere(state, c, q);
  for (int q = 0; q < 8; q++) p[4 + q] = quadHere(perc, c, q);
}

// True when the MLP's output gradient g_z1 (layers 0–3 of `gout`, bw_out.frag) is zero at atlas
// texel `t`: a dead cell, or one not updated at this step. Its g_z0 and g_p are zero and its
// activation only meets that zero, so the backward passes skip it (docs/model.md, "Work where there
// is life").
bool outputIdle(sampler2DArray gout, ivec2 t) {
  vec4 a = vec4(0.0);
  for (int q = 0; q < 4; q++) a += abs(texelFetch(gout, ivec3(t, q), 0));
  return all(equal(a, vec4(0.0)));
}

vec4 lossValue(vec4 e) {
#if LOSS_L1L2
  return abs(e) + e * e;
#else
  return e * e;
#endif
}

vec4 lossDerivative(vec4 e) {
#if LOSS_L1L2
  return sign(e) + 2.0 * e;
#else
  return 2.0 * e;
#endif
}
