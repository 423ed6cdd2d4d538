// loss_accum.frag — adds one loss step's per-row sums to the running row sums:
//   rows(tx, ay) += Σ_x Σ_rgba f(x_t − target) over the W cells of atlas row ay in tile column tx.
//
// Inputs:   u_state  sampler2DArray  x_t (layer 0 = RGBA), atlas layout
//           u_target sampler2D       target RGBA, W×H, row 0 = top
//           u_prev   sampler2D       row sums so far, tilesX × atlas height (.r)
// Outputs:  location 0 = (new row sum, 0, 0, 0)
// Uniforms: u_grid, u_tilesX, u_batch, u_row0 (layout.glsl; the row sums have no row offset)
// Defines:  LOSS_L1L2
#include "common/layout.glsl"
#include "common/train.glsl"

uniform sampler2DArray u_state;
uniform sampler2D u_target;
uniform sampler2D u_prev;

out vec4 o;

void main() {
  ivec2 t = ivec2(gl_FragCoord.xy);
  float s = texelFetch(u_prev, t, 0).r;
  int b = (t.y / u_grid.y) * u_tilesX + t.x;
  if (b < u_batch) {
    int y = t.y % u_grid.y;
    for (int x = 0; x < u_grid.x; x++) {
      vec4 e = texelFetch(u_state, ivec3(t.x * u_grid.x + x, u_row0 + t.y, 0), 0) - texelFetch(u_target, ivec2(x, y), 0);
      vec4 l = lossValue(e);
      s += (l.x + l.y) + (l.z + l.w);
    }
  }
  o = vec4(s, 0.0, 0.0, 0.0);
}
