// train.glsl — helpers shared by the training passes.
//
// Stored perception (train/perceive.frag) keeps only feature quads 4..11 (8 layers): quads 0..3
// are the cell's own channels, read from the state itself.
// Loss: e = x[rgba] - target; LOSS_L1L2 selects |e| + e^2 (the article's), else e^2 (MSE).
// Needs layout.glsl. Defines: LOSS_L1L2.

void loadPerception(sampler2DArray state, sampler2DArray perc, Cell c, out vec4 p[12]) {
  for (int q = 0; q < 4; q++) p[q] = quadHere(state, c, q);
  for (int q = 0; q < 8; q++) p[4 + q] = quadHere(perc, c, q);
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
