// erase.frag — zeroes every channel of the cells of one grid inside a disc (damage by a click).
//
// Inputs:   u_state sampler2DArray  the state, atlas layout (layout.glsl)
// Outputs:  locations 0–3 = the state with the disc erased
// Uniforms: u_grid, u_tilesX, u_batch, u_row0; u_which int  grid to damage (−1: all)
//           u_centre vec2  disc centre in cell units (cell (x, y) spans [x, x+1) × [y, y+1), y down)
//           u_radius float  disc radius in cells
#include "common/layout.glsl"

uniform sampler2DArray u_state;
uniform int u_which;
uniform vec2 u_centre;
uniform float u_radius;

layout(location = 0) out vec4 outs[4];

void main() {
  Cell c = fragCell();
  vec2 d = vec2(c.xy) + 0.5 - u_centre;
  bool hit = c.b >= u_batch || ((u_which < 0 || u_which == c.b) && dot(d, d) < u_radius * u_radius);
  float keep = hit ? 0.0 : 1.0;
  outs[0] = quadHere(u_state, c, 0) * keep;
  outs[1] = quadHere(u_state, c, 1) * keep;
  outs[2] = quadHere(u_state, c, 2) * keep;
  outs[3] = quadHere(u_state, c, 3) * keep;
}
