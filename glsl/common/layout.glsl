// layout.glsl — where a cell of a batched grid sits in an atlas texture (src/engine/layout.ts).
//
// A texture array holds B grids of W×H cells as tiles: grid b at tile (b % tilesX, b / tilesX),
// cell (x, y) at texel (tx*W + x, row0 + ty*H + y); row y = 0 is the image's top row. Rows above
// row0 are padding (row0 > 0 spreads a small atlas over a software renderer's thread squares;
// draws cover the atlas rows only). Layer k of a
// per-cell tensor holds its values 4k..4k+3 (the state: layer q = channels 4q..4q+3).
// Reads outside the grid are zero (zero padding).
//
// Uniforms:
//   u_grid   ivec2  grid size (W, H) in cells
//   u_tilesX int    tiles per atlas row
//   u_batch  int    number of grids B; texels of tiles b >= B are padding
//   u_row0   int    texel row of the atlas's first row

uniform ivec2 u_grid;
uniform int u_tilesX;
uniform int u_batch;
uniform int u_row0;

// Texel of cell (0, 0) of grid b in an atlas of `tilesX` tiles a row starting at texel row `row0`.
ivec2 gridOrigin(int b, int tilesX, int row0) {
  return ivec2(b % tilesX, b / tilesX) * u_grid + ivec2(0, row0);
}

struct Cell {
  ivec2 origin; // texel of the tile's cell (0, 0)
  ivec2 xy;     // cell coordinates in its grid
  int b;        // grid index; >= u_batch on padding texels
};

Cell cellAtTexel(ivec2 t) {
  t.y -= u_row0;
  ivec2 tile = t / u_grid;
  Cell c;
  c.origin = tile * u_grid;
  c.xy = t - c.origin;
  c.b = tile.y * u_tilesX + tile.x;
  c.origin.y += u_row0;
  return c;
}

Cell fragCell() {
  return cellAtTexel(ivec2(gl_FragCoord.xy));
}

bool insideGrid(ivec2 xy) {
  return all(greaterThanEqual(xy, ivec2(0))) && all(lessThan(xy, u_grid));
}

// Layer `layer` of the cell at offset d from c; zero outside the grid.
vec4 quadAt(sampler2DArray s, Cell c, ivec2 d, int layer) {
  ivec2 q = c.xy + d;
  return insideGrid(q) ? texelFetch(s, ivec3(c.origin + q, layer), 0) : vec4(0.0);
}

// Layer `layer` of cell c itself.
vec4 quadHere(sampler2DArray s, Cell c, int layer) {
  return texelFetch(s, ivec3(c.origin + c.xy, layer), 0);
}

// Index of the cell in its grid (the hash counter): y * W + x.
uint cellIndex(Cell c) {
  return uint(c.xy.y * u_grid.x + c.xy.x);
}
