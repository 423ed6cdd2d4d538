// grad_partial.frag — weight-gradient partial sums of one backward step, added to the running
// partials of earlier steps. A texel of the parameter gradient (mlp.glsl layout) is a sum over
// cells of an outer product:
//   rows [0, HIDDEN4):   texel (i, r) += g_z0[quad r] · in_i,  in = [p (PERCEPTION = 48), 1]
//   rows [HIDDEN4, +4):  texel (i, r) += g_out[quad r − HIDDEN4] · in_i,  in = [act (HIDDEN), HAS_B1]
// Each fragment owns a 4×8 block — output row quad r, input column quads 2·i8 and 2·i8 + 1 — and
// one chunk k of atlas rows: each cell then costs three fetches for 32 multiply-adds, the most
// eight render targets allow.
//
// Partial layout: texel (k, r + PH·i8), layer 4·n + c = input column 4·(2·i8 + n) + c, PH = HIDDEN4 + 4.
// The chunk runs along x so that the fragments a SIMD renderer shades together (a few neighbouring
// columns and rows: llvmpipe's 4×4 blocks, SwiftShader's 2×2 quads, a GPU's warps) share i8 and the
// kind of row, and so one branch below: with i8 along x, neighbouring fragments took different
// branches and each paid for the loops of all of them.
// Inputs:   u_prev   sampler2DArray  partials so far (same layout)
//           u_state  sampler2DArray  x_t (perception quads 0–3), u_perc (quads 4–11), atlas layout
//           u_hidden sampler2DArray  packed by HPACK (packed.glsl): quads 0..HIDDEN4-1 = g_z0, HQ.. = act
//           u_gout   sampler2DArray  layers 0–3 = g_out (bw_out.frag), atlas layout
// Outputs:  locations 0–7 = the new partials (layers 0–7)
// Uniforms: u_atlas ivec2 atlas size in texels; u_row0 int  its first texel row; u_chunkRows int  atlas
//           rows per chunk
// Defines:  HIDDEN, HIDDEN4, HQ (HIDDEN4 rounded up to even), PH, HAS_B1 (1: the rule has an output
//           bias b1, whose gradient is g_out; 0: none), HPACK
// Padding cells hold zero gradients; cells past the atlas width are skipped.

uniform sampler2DArray u_prev;
uniform sampler2DArray u_state;
uniform sampler2DArray u_perc;
uniform sampler2DArray u_hidden;
uniform sampler2DArray u_gout;
uniform ivec2 u_atlas;
uniform int u_row0;
uniform int u_chunkRows;

layout(location = 0) out vec4 outs[8];

vec4 A0, A1, A2, A3, B0, B1, B2, B3;

void add(vec4 g, vec4 a, vec4 b) {
  A0 += g * a.x; A1 += g * a.y; A2 += g * a.z; A3 += g * a.w;
  B0 += g * b.x; B1 += g * b.y; B2 += g * b.z; B3 += g * b.w;
}

// Loops over the chunk's cells; G, VA, VB are expressions of (X, y, k, ax).
#define CELLS(G, VA, VB)                                              \
  for (int y = y0; y < y1; y++)                                       \
    for (int X = 0; X < packedWidth; X++)                             \
      for (int k = 0; k < HPACK; k++) {                               \
        int ax = X * HPACK + k;                                       \
        if (ax >= u_atlas.x) break;                                   \
        add(G, VA, VB);                                               \
      }

#define PACKED(tex, q) texelFetch(tex, ivec3(X, y, (q) * HPACK + k), 0)
#define PLAIN(tex, q) texelFetch(tex, ivec3(ax, y, q), 0)

void main() {
  ivec2 t = ivec2(gl_FragCoord.xy);
  int i8 = t.y / PH;
  int r = t.y % PH;
  int y0 = u_row0 + t.x * u_chunkRows;
  int y1 = min(y0 + u_chunkRows, u_row0 + u_atlas.y);
  int packedWidth = (u_atlas.x + HPACK - 1) / HPACK;
  A0 = texelFetch(u_prev, ivec3(t, 0), 0); A1 = texelFetch(u_prev, ivec3(t, 1), 0);
  A2 = texelFetch(u_prev, ivec3(t, 2), 0); A3 = texelFetch(u_prev, ivec3(t, 3), 0);
  B0 = texelFetch(u_prev, ivec3(t, 4), 0); B1 = texelFetch(u_prev, ivec3(t, 5), 0);
  B2 = texelFetch(u_prev, ivec3(t, 6), 0); B3 = texelFetch(u_prev, ivec3(t, 7), 0);
  vec4 one = vec4(1.0, 0.0, 0.0, 0.0);
  vec4 bias1 = vec4(float(HAS_B1), 0.0, 0.0, 0.0);
  if (r < HIDDEN4) {
    // w0 | b0: inputs are the 12 perception quads, then the constant 1 (quad 12)
    if (i8 < 2) {
      CELLS(PACKED(u_hidden, r), PLAIN(u_state, 2 * i8), PLAIN(u_state, 2 * i8 + 1))
    } else if (i8 < 6) {
      CELLS(PACKED(u_hidden, r), PLAIN(u_perc, 2 * i8 - 4), PLAIN(u_perc, 2 * i8 - 3))
    } else if (i8 == 6) {
      CELLS(PACKED(u_hidden, r), one, vec4(0.0))
    }
  } else {
    // w1 | b1: inputs are the HIDDEN4 activation quads, then the output bias's constant
    int q = 2 * i8;
    int o = r - HIDDEN4;
    if (q + 1 < HIDDEN4) {
      CELLS(PLAIN(u_gout, o), PACKED(u_hidden, HQ + q), PACKED(u_hidden, HQ + q + 1))
    } else if (q + 1 == HIDDEN4) {
      CELLS(PLAIN(u_gout, o), PACKED(u_hidden, HQ + q), bias1)
    } else if (q == HIDDEN4) {
      CELLS(PLAIN(u_gout, o), bias1, vec4(0.0))
    }
  }
  outs[0] = A0; outs[1] = A1; outs[2] = A2; outs[3] = A3;
  outs[4] = B0; outs[5] = B1; outs[6] = B2; outs[7] = B3;
}
