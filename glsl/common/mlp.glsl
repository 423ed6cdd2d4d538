// mlp.glsl — products with the parameter texture (src/engine/layout.ts, paramLayout).
//
// u_params (sampler2D, RGBA32F): a matrix M (out × in) with bias b takes out/4 rows of in+1 texels:
// texel (i, r) = M[4r..4r+3][i], texel (in, r) = b[4r..4r+3].
//   rows [0, HIDDEN4):           w0 | b0  (in = PERCEPTION)
//   rows [HIDDEN4, HIDDEN4 + 4): w1 | b1  (in = HIDDEN)
// Defines: HIDDEN, HIDDEN4 = HIDDEN / 4, PERCEPTION (= 48), CHANNELS (= 16), HAS_B1,
//          PARAMS_UBO (1: read the same texels from two uniform blocks instead of u_params).
//
// With PARAMS_UBO the runtime mirrors two rectangles of the parameter texture into uniform
// buffers (src/engine/params.ts, Runtime TextureBlock), as std140 vec4 arrays, row-major:
//   ParamsW0: texels (i, r), i < PERCEPTION + 1, r < HIDDEN4       → u_w0[r · (PERCEPTION + 1) + i]
//   ParamsW1: texels (i, HIDDEN4 + o), i < HIDDEN + 1, o < 4        → u_w1[o · (HIDDEN + 1) + i]
// Every fragment reads the same weight at the same time, which a SIMD software renderer
// (llvmpipe) serves as one scalar load instead of a per-lane texture gather.

#ifndef PARAMS_UBO
#define PARAMS_UBO 0
#endif

#if PARAMS_UBO
layout(std140) uniform ParamsW0 { vec4 u_w0[HIDDEN4 * (PERCEPTION + 1)]; };
layout(std140) uniform ParamsW1 { vec4 u_w1[4 * (HIDDEN + 1)]; };
// Texel (i, r) of the w0 | b0 rows (r < HIDDEN4).
vec4 param0(sampler2D P, int i, int r) { return u_w0[r * (PERCEPTION + 1) + i]; }
// Texel (i, HIDDEN4 + o) of the w1 | b1 rows (o < 4).
vec4 param1(sampler2D P, int i, int o) { return u_w1[o * (HIDDEN + 1) + i]; }
#else
vec4 param0(sampler2D P, int i, int r) { return texelFetch(P, ivec2(i, r), 0); }
vec4 param1(sampler2D P, int i, int o) { return texelFetch(P, ivec2(i, HIDDEN4 + o), 0); }
#endif

// The 4×4 block of w0 whose columns are inputs c..c+3 and rows are hidden units 4r..4r+3.
mat4 block0(sampler2D P, int c, int r) {
  return mat4(param0(P, c, r), param0(P, c + 1, r), param0(P, c + 2, r), param0(P, c + 3, r));
}

// The 4×4 block of w1 whose columns are hidden units c..c+3 and rows are outputs 4o..4o+3.
mat4 block1(sampler2D P, int c, int o) {
  return mat4(param1(P, c, o), param1(P, c + 1, o), param1(P, c + 2, o), param1(P, c + 3, o));
}

// b0[4 j4 .. 4 j4 + 3].
vec4 hiddenBias(sampler2D P, int j4) {
  return param0(P, PERCEPTION, j4);
}

// Pre-activation of hidden quad j4: (w0 · p + b0)[4 j4 .. 4 j4 + 3].
// (The 12 products are written out: constant indices keep p in registers; a loop here made
// SwiftShader index p through memory, 3–4× slower.)
vec4 hiddenPre(sampler2D P, int j4, vec4 p[12]) {
  vec4 z = hiddenBias(P, j4);
  z += block0(P, 0, j4) * p[0];
  z += block0(P, 4, j4) * p[1];
  z += block0(P, 8, j4) * p[2];
  z += block0(P, 12, j4) * p[3];
  z += block0(P, 16, j4) * p[4];
  z += block0(P, 20, j4) * p[5];
  z += block0(P, 24, j4) * p[6];
  z += block0(P, 28, j4) * p[7];
  z += block0(P, 32, j4) * p[8];
  z += block0(P, 36, j4) * p[9];
  z += block0(P, 40, j4) * p[10];
  z += block0(P, 44, j4) * p[11];
  return z;
}

// Adds hidden quad j4's share of w1 · a to the four output quads.
void outputAccumulate(sampler2D P, int j4, vec4 a, inout vec4 y[4]) {
  y[0] += block1(P, 4 * j4, 0) * a;
  y[1] += block1(P, 4 * j4, 1) * a;
  y[2] += block1(P, 4 * j4, 2) * a;
  y[3] += block1(P, 4 * j4, 3) * a;
}

// Output bias quad o4 (zero without HAS_B1).
vec4 outputBias(sampler2D P, int o4) {
  return param1(P, HIDDEN, o4);
}

// Which parameter tensor texel t of the parameter texture belongs to:
// 0 w0, 1 b0, 2 w1, 3 b1 (only with HAS_B1), -1 none (padding texel).
int paramTensor(ivec2 t) {
  if (t.y < HIDDEN4) return t.x < PERCEPTION ? 0 : (t.x == PERCEPTION ? 1 : -1);
  if (t.y < HIDDEN4 + CHANNELS / 4) return t.x < HIDDEN ? 2 : (t.x == HIDDEN && HAS_B1 == 1 ? 3 : -1);
  return -1;
}

// hiddenPre for two cells at once: every weight block is fetched once for both.
void hiddenPrePair(sampler2D P, int j4, vec4 pa[12], vec4 pb[12], out vec4 za, out vec4 zb) {
  vec4 b = hiddenBias(P, j4);
  za = b;
  zb = b;
  mat4 m;
  m = block0(P, 0, j4);  za += m * pa[0];  zb += m * pb[0];
  m = block0(P, 4, j4);  za += m * pa[1];  zb += m * pb[1];
  m = block0(P, 8, j4);  za += m * pa[2];  zb += m * pb[2];
  m = block0(P, 12, j4); za += m * pa[3];  zb += m * pb[3];
  m = block0(P, 16, j4); za += m * pa[4];  zb += m * pb[4];
  m = block0(P, 20, j4); za += m * pa[5];  zb += m * pb[5];
  m = block0(P, 24, j4); za += m * pa[6];  zb += m * pb[6];
  m = block0(P, 28, j4); za += m * pa[7];  zb += m * pb[7];
  m = block0(P, 32, j4); za += m * pa[8];  zb += m * pb[8];
  m = block0(P, 36, j4); za += m * pa[9];  zb += m * pb[9];
  m = block0(P, 40, j4); za += m * pa[10]; zb += m * pb[10];
  m = block0(P, 44, j4); za += m * pa[11]; zb += m * pb[11];
}

// outputAccumulate for two cells at once.
void outputAccumulatePair(sampler2D P, int j4, vec4 aa, vec4 ab, inout vec4 ya[4], inout vec4 yb[4]) {
  mat4 m;
  m = block1(P, 4 * j4, 0);     ya[0] += m * aa; yb[0] += m * ab;
  m = block1(P, 4 * j4, 1); ya[1] += m * aa; yb[1] += m * ab;
  m = block1(P, 4 * j4, 2); ya[2] += m * aa; yb[2] += m * ab;
  m = block1(P, 4 * j4, 3); ya[3] += m * aa; yb[3] += m * ab;
}
