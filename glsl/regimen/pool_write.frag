// pool_write.frag — copies grid u_from of a batch into one tile of the pool; the draw's viewport
// is that tile, so the pool's other tiles are untouched.
//
// Inputs:   u_src sampler2DArray  the batch (atlas layout, layout.glsl)
// Outputs:  locations 0–3 = the pool tile, 4 layers
// Uniforms: u_grid, u_tilesX, u_batch, u_row0 (layout.glsl, of the batch); u_from int  grid of the batch;
//           u_tileOrigin ivec2  the pool tile's first texel

#include "common/layout.glsl"

uniform sampler2DArray u_src;
uniform int u_from;
uniform ivec2 u_tileOrigin;

layout(location = 0) out vec4 outs[4];

void main() {
  ivec2 xy = ivec2(gl_FragCoord.xy) - u_tileOrigin;
  ivec2 origin = gridOrigin(u_from, u_tilesX, u_row0);
  outs[0] = texelFetch(u_src, ivec3(origin + xy, 0), 0);
  outs[1] = texelFetch(u_src, ivec3(origin + xy, 1), 0);
  outs[2] = texelFetch(u_src, ivec3(origin + xy, 2), 0);
  outs[3] = texelFetch(u_src, ivec3(origin + xy, 3), 0);
}
