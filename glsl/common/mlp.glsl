// mlp.glsl — products with the parameter texture (src/engine/layout.ts, paramLayout).
//
// u_params (sampler2D, RGBA32F): a matrix M (out × in) with bias b takes out/4 rows of in+1 texels:
// texel (i, r) = M[4r..4r+3][i], texel (in, r) = b[4r..4r+3].
//   rows [0, HIDDEN4):           w0 | b0  (in = 48)
//   rows [HIDDEN4, HIDDEN4 + 4): w1 | b1  (in = HIDDEN)
// Defines: HIDDEN (hidden units), HIDDEN4 = HIDDEN / 4.

// The 4×4 block of M whose columns are inputs c..c+3 and rows are outputs 4r..4r+3.
mat4 block(sampler2D P, int c, int r) {
  return mat4(texelFetch(P, ivec2(c, r), 0), texelFetch(P, ivec2(c + 1, r), 0),
              texelFetch(P, ivec2(c + 2, r), 0), texelFetch(P, ivec2(c + 3, r), 0));
}

// Pre-activation of hidden quad j4: (w0 · p + b0)[4 j4 .. 4 j4 + 3].
// (The 12 products are written out: constant indices keep p in registers; a loop here made
// SwiftShader index p through memory, 3–4× slower.)
vec4 hiddenPre(sampler2D P, int j4, vec4 p[12]) {
  vec4 z = texelFetch(P, ivec2(48, j4), 0);
  z += block(P, 0, j4) * p[0];
  z += block(P, 4, j4) * p[1];
  z += block(P, 8, j4) * p[2];
  z += block(P, 12, j4) * p[3];
  z += block(P, 16, j4) * p[4];
  z += block(P, 20, j4) * p[5];
  z += block(P, 24, j4) * p[6];
  z += block(P, 28, j4) * p[7];
  z += block(P, 32, j4) * p[8];
  z += block(P, 36, j4) * p[9];
  z += block(P, 40, j4) * p[10];
  z += block(P, 44, j4) * p[11];
  return z;
}

// Adds hidden quad j4's share of w1 · a to the four output quads.
void outputAccumulate(sampler2D P, int j4, vec4 a, inout vec4 y[4]) {
  y[0] += block(P, 4 * j4, HIDDEN4) * a;
  y[1] += block(P, 4 * j4, HIDDEN4 + 1) * a;
  y[2] += block(P, 4 * j4, HIDDEN4 + 2) * a;
  y[3] += block(P, 4 * j4, HIDDEN4 + 3) * a;
}

// Output bias quad o4 (zero for the growing rule).
vec4 outputBias(sampler2D P, int o4) {
  return texelFetch(P, ivec2(HIDDEN, HIDDEN4 + o4), 0);
}

// Which parameter tensor texel t of the parameter texture belongs to:
// 0 w0, 1 b0, 2 w1, 3 b1 (seed rule only, HAS_B1), -1 none (padding texel).
int paramTensor(ivec2 t) {
  if (t.y < HIDDEN4) return t.x < 48 ? 0 : (t.x == 48 ? 1 : -1);
  if (t.y < HIDDEN4 + 4) return t.x < HIDDEN ? 2 : (t.x == HIDDEN && HAS_B1 == 1 ? 3 : -1);
  return -1;
}

// hiddenPre for two cells at once: every weight block is fetched once for both.
void hiddenPrePair(sampler2D P, int j4, vec4 pa[12], vec4 pb[12], out vec4 za, out vec4 zb) {
  vec4 b = texelFetch(P, ivec2(48, j4), 0);
  za = b;
  zb = b;
  mat4 m;
  m = block(P, 0, j4);  za += m * pa[0];  zb += m * pb[0];
  m = block(P, 4, j4);  za += m * pa[1];  zb += m * pb[1];
  m = block(P, 8, j4);  za += m * pa[2];  zb += m * pb[2];
  m = block(P, 12, j4); za += m * pa[3];  zb += m * pb[3];
  m = block(P, 16, j4); za += m * pa[4];  zb += m * pb[4];
  m = block(P, 20, j4); za += m * pa[5];  zb += m * pb[5];
  m = block(P, 24, j4); za += m * pa[6];  zb += m * pb[6];
  m = block(P, 28, j4); za += m * pa[7];  zb += m * pb[7];
  m = block(P, 32, j4); za += m * pa[8];  zb += m * pb[8];
  m = block(P, 36, j4); za += m * pa[9];  zb += m * pb[9];
  m = block(P, 40, j4); za += m * pa[10]; zb += m * pb[10];
  m = block(P, 44, j4); za += m * pa[11]; zb += m * pb[11];
}

// outputAccumulate for two cells at once.
void outputAccumulatePair(sampler2D P, int j4, vec4 aa, vec4 ab, inout vec4 ya[4], inout vec4 yb[4]) {
  mat4 m;
  m = block(P, 4 * j4, HIDDEN4);     ya[0] += m * aa; yb[0] += m * ab;
  m = block(P, 4 * j4, HIDDEN4 + 1); ya[1] += m * aa; yb[1] += m * ab;
  m = block(P, 4 * j4, HIDDEN4 + 2); ya[2] += m * aa; yb[2] += m * ab;
  m = block(P, 4 * j4, HIDDEN4 + 3); ya[3] += m * aa; yb[3] += m * ab;
}
