// perceive.glsl — the 3×3 perception stencils (docs/model.md, "Perception").
//
// Fills p[12]: quads 0–3 the cell's own channels, 4–7 and 8–11 the second and third groups:
//   PERCEIVE_MOORE (seed):    moore (mean of the 8 neighbours), sobel_x + sobel_y
//   PERCEIVE_SOBEL (growing): sobel_x / 8, sobel_y / 8
// Correlation with dy pointing down the image; zero padding outside the grid.
// Needs layout.glsl. Defines: PERCEIVE_* (src/engine/rules.ts).

// The three features of one channel quad from its 3×3 neighbourhood (rows n*, centre row, s*).
void features(vec4 nw, vec4 n, vec4 ne, vec4 w, vec4 m, vec4 e, vec4 sw, vec4 so, vec4 se, int q, inout vec4 p[12]) {
  vec4 gx = (ne - nw) + 2.0 * (e - w) + (se - sw);
  vec4 gy = (sw - nw) + 2.0 * (so - n) + (se - ne);
  p[q] = m;
#if PERCEIVE_MOORE
  p[4 + q] = (nw + n + ne + w + e + sw + so + se) * 0.125;
  p[8 + q] = gx + gy;
#elif PERCEIVE_SOBEL
  p[4 + q] = gx * 0.125;
  p[8 + q] = gy * 0.125;
#else
#error unknown perception
#endif
}

void perceive(sampler2DArray s, Cell c, out vec4 p[12]) {
  for (int q = 0; q < 4; q++) {
    features(quadAt(s, c, ivec2(-1, -1), q), quadAt(s, c, ivec2(0, -1), q), quadAt(s, c, ivec2(1, -1), q),
             quadAt(s, c, ivec2(-1, 0), q), quadHere(s, c, q), quadAt(s, c, ivec2(1, 0), q),
             quadAt(s, c, ivec2(-1, 1), q), quadAt(s, c, ivec2(0, 1), q), quadAt(s, c, ivec2(1, 1), q), q, p);
  }
}

// Weight of neighbour (dx, dy) in feature group g (1 or 2) of the rule: the transposed stencils
// used by the backward pass (train/bw_perceive.frag). Group 0 is the identity.
float stencilWeight(int g, int dx, int dy) {
  int i = (dy + 1) * 3 + (dx + 1);
  float kx = float[9](-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0)[i];
  float ky = float[9](-1.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0)[i];
#if PERCEIVE_MOORE
  return g == 1 ? (i == 4 ? 0.0 : 0.125) : kx + ky;
#elif PERCEIVE_SOBEL
  return (g == 1 ? kx : ky) * 0.125;
#else
#error unknown perception
#endif
}

// Perception of two horizontally adjacent cells of one grid, c and its right neighbour: the
// 4×3 block of neighbourhood fetches is shared (48 fetches instead of 72).
void perceivePair(sampler2DArray s, Cell c, out vec4 pa[12], out vec4 pb[12]) {
  for (int q = 0; q < 4; q++) {
    vec4 a0 = quadAt(s, c, ivec2(-1, -1), q), a1 = quadAt(s, c, ivec2(0, -1), q);
    vec4 a2 = quadAt(s, c, ivec2(1, -1), q), a3 = quadAt(s, c, ivec2(2, -1), q);
    vec4 b0 = quadAt(s, c, ivec2(-1, 0), q), b1 = quadHere(s, c, q);
    vec4 b2 = quadAt(s, c, ivec2(1, 0), q), b3 = quadAt(s, c, ivec2(2, 0), q);
    vec4 c0 = quadAt(s, c, ivec2(-1, 1), q), c1 = quadAt(s, c, ivec2(0, 1), q);
    vec4 c2 = quadAt(s, c, ivec2(1, 1), q), c3 = quadAt(s, c, ivec2(2, 1), q);
    features(a0, a1, a2, b0, b1, b2, c0, c1, c2, q, pa);
    features(a1, a2, a3, b1, b2, b3, c1, c2, c3, q, pb);
  }
}
