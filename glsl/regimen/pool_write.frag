// pool_write.frag — copies grid u_from of a batch into one tile of the pool; the draw's viewport
// is that tile, so the pool's other tiles are untouched.
//
// Inputs:   u_src sampler2DArray  the batch (atlas layout, tiles u_tilesX per row)
// Outputs:  locations 0–3 = the pool tile, 4 layers
// Uniforms: u_grid, u_tilesX (of the batch); u_from int  grid of the batch; u_tileOrigin ivec2  the pool
//           tile's first texel

uniform sampler2DArray u_src;
uniform ivec2 u_grid;
uniform int u_tilesX;
uniform int u_from;
uniform ivec2 u_tileOrigin;

layout(location = 0) out vec4 outs[4];

void main() {
  ivec2 xy = ivec2(gl_FragCoord.xy) - u_tileOrigin;
  ivec2 origin = ivec2(u_from % u_tilesX, u_from / u_tilesX) * u_grid;
  outs[0] = texelFetch(u_src, ivec3(origin + xy, 0), 0);
  outs[1] = texelFetch(u_src, ivec3(origin + xy, 1), 0);
  outs[2] = texelFetch(u_src, ivec3(origin + xy, 2), 0);
  outs[3] = texelFetch(u_src, ivec3(origin + xy, 3), 0);
}
