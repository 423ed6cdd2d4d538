// grad_partial.frag — weight-gradient partial sums of one backward step, added to the running
// partials of earlier steps. A texel of the parameter gradient (mlp.glsl layout) is a sum over
// cells of an outer product:
//   rows [0, HIDDEN4):   texel (i, r) += g_z0[quad r] · in_i,  in = [p (48), 1]
//   rows [HIDDEN4, +4):  texel (i, r) += g_out[quad r − HIDDEN4] · in_i,  in = [act (HIDDEN), BIAS1]
// Each fragment owns a 4×4 block (input quad i4, row r) and one chunk k of atlas rows; the four
// input columns of the block go to four layers.
//
// Partial layout: texel (i4, r + PH·k), layer c = input column 4·i4 + c, PH = HIDDEN4 + 4.
// Inputs:   u_prev   sampler2DArray  partials so far (same layout)
//           u_state  sampler2DArray  x_t (perception quads 0–3), u_perc (quads 4–11)
//           u_hidden sampler2DArray  layers 0..HIDDEN4-1 = g_z0, HIDDEN4.. = act (bw_hidden.frag)
//           u_gout   sampler2DArray  layers 0–3 = g_out (bw_out_*.frag)
// Outputs:  locations 0–3 = the new partials (layers 0–3)
// Uniforms: u_atlas ivec2 atlas size in texels; u_chunkRows int  atlas rows per chunk
// Defines:  HIDDEN, HIDDEN4, PH, BIAS1 (1.0 seed: output bias; 0.0 growing: none)
// Padding texels of every input are zero, so the loop runs over raw atlas texels.

uniform sampler2DArray u_prev;
uniform sampler2DArray u_state;
uniform sampler2DArray u_perc;
uniform sampler2DArray u_hidden;
uniform sampler2DArray u_gout;
uniform ivec2 u_atlas;
uniform int u_chunkRows;

layout(location = 0) out vec4 outs[4];

void main() {
  ivec2 t = ivec2(gl_FragCoord.xy);
  int i4 = t.x;
  int r = t.y % PH;
  int k = t.y / PH;
  vec4 acc[4];
  for (int c = 0; c < 4; c++) acc[c] = texelFetch(u_prev, ivec3(t, c), 0);
  bool firstLayer = r < HIDDEN4;
  bool valid = firstLayer ? i4 <= 12 : i4 <= HIDDEN4;
  if (valid) {
    int y0 = k * u_chunkRows;
    int y1 = min(y0 + u_chunkRows, u_atlas.y);
    for (int y = y0; y < y1; y++) {
      for (int x = 0; x < u_atlas.x; x++) {
        vec4 g;
        vec4 v;
        if (firstLayer) {
          g = texelFetch(u_hidden, ivec3(x, y, r), 0);
          v = i4 < 4 ? texelFetch(u_state, ivec3(x, y, i4), 0)
            : i4 < 12 ? texelFetch(u_perc, ivec3(x, y, i4 - 4), 0)
            : vec4(1.0, 0.0, 0.0, 0.0);
        } else {
          g = texelFetch(u_gout, ivec3(x, y, r - HIDDEN4), 0);
          v = i4 < HIDDEN4 ? texelFetch(u_hidden, ivec3(x, y, HIDDEN4 + i4), 0) : vec4(BIAS1, 0.0, 0.0, 0.0);
        }
        acc[0] += g * v.x;
        acc[1] += g * v.y;
        acc[2] += g * v.z;
        acc[3] += g * v.w;
      }
    }
  }
  outs[0] = acc[0]; outs[1] = acc[1]; outs[2] = acc[2]; outs[3] = acc[3];
}
