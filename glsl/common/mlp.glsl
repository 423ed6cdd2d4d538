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
