// pair.glsl — the two cells of a forward-update fragment (engine/update.frag).
//
// The forward updates compute two horizontally adjacent atlas cells per fragment (PACK = 2), so
// every weight fetch of the MLP serves two cells; they write the unmasked update u packed by 2
// (packed.glsl: quad q of cell k at layer 2·q + k), and the alive pass (alive.frag) masks it and
// writes the state back in the plain atlas layout.
// Needs layout.glsl, packed.glsl (PACK = 2), perceive.glsl, mask.glsl.

struct Pair {
  Cell a;
  Cell b;
  bool okA;
  bool okB;
};

Pair fragPair(int atlasWidth) {
  Pair p;
  p.a = packedCell(0, atlasWidth, p.okA);
  p.b = packedCell(1, atlasWidth, p.okB);
  return p;
}

// Perception of both cells: shared fetches when they are neighbours in one grid, else one by one
// (a pair can straddle two tiles when the grid width is odd).
void perceiveBoth(sampler2DArray s, Pair pr, out vec4 pa[12], out vec4 pb[12]) {
  if (pr.okA && pr.okB && pr.a.b == pr.b.b) {
    perceivePair(s, pr.a, pa, pb);
    return;
  }
  for (int i = 0; i < 12; i++) { pa[i] = vec4(0.0); pb[i] = vec4(0.0); }
  if (pr.okA) perceive(s, pr.a, pa);
  if (pr.okB) perceive(s, pr.b, pb);
}

// The update mask of quad q of cell c: per cell (PER_CELL) or per channel.
vec4 updateMask(Cell c, int q, uint seed, uint iteration, uint step, uint threshold) {
  return maskQuad(cellKey(seed, iteration, step, uint(c.b), cellIndex(c)), q, threshold);
}
