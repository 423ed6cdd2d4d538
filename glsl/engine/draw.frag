// draw.frag — shows one grid's RGBA on a canvas, nearest-neighbour (pixel-art) scaled.
//
// Inputs:   u_state sampler2DArray  the state, atlas layout; only layer 0 (RGBA) is read
// Output:   the canvas (default framebuffer), premultiplied RGBA
// Uniforms: u_grid, u_tilesX, u_row0 (layout.glsl)
//           u_show       int    which grid of the batch to show
//           u_viewport   vec4   (x, y, width, height) of the drawing rectangle in canvas pixels
//           u_background vec4   premultiplied colour under the cells; (0,0,0,0) keeps transparency
// Canvas row 0 is the bottom, image row 0 the top: the flip happens here and only here.

#include "common/layout.glsl"

uniform sampler2DArray u_state;
uniform int u_show;
uniform vec4 u_viewport;
uniform vec4 u_background;

out vec4 color;

void main() {
  vec2 f = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw;   // 0..1, y up
  ivec2 xy = clamp(ivec2(floor(vec2(f.x, 1.0 - f.y) * vec2(u_grid))), ivec2(0), u_grid - 1);
  ivec2 origin = gridOrigin(u_show, u_tilesX, u_row0);
  vec4 s = texelFetch(u_state, ivec3(origin + xy, 0), 0);
  float a = clamp(s.a, 0.0, 1.0);
  vec3 rgb = clamp(s.rgb, 0.0, a);
  color = vec4(rgb, a) + u_background * (1.0 - a);
}
