// packed.glsl — per-cell tensors packed PACK cells to a texel position (the backward pass's
// intermediates). A fragment that computes PACK neighbouring cells at once shares every weight
// fetch among them; its outputs must then sit at its own texel position, so the cells' values go
// to different layers:
//   atlas texel (x, y), value quad q  →  texel (x / PACK, y), layer q * PACK + x % PACK.
// Needs layout.glsl. Defines: PACK.

// PACK is a power of two: shifts and masks instead of integer division (which software
// renderers execute as real divisions).
#if PACK == 2
#define PACK_SHIFT 1
#elif PACK == 4
#define PACK_SHIFT 2
#else
#error PACK must be 2 or 4
#endif

vec4 packedFetch(sampler2DArray s, ivec2 atlasTexel, int q) {
  return texelFetch(s, ivec3(atlasTexel.x >> PACK_SHIFT, atlasTexel.y, (q << PACK_SHIFT) + (atlasTexel.x & (PACK - 1))), 0);
}

// Quad q of the packed tensor at the cell offset d from c; zero outside the grid.
vec4 packedAt(sampler2DArray s, Cell c, ivec2 d, int q) {
  ivec2 xy = c.xy + d;
  return insideGrid(xy) ? packedFetch(s, c.origin + xy, q) : vec4(0.0);
}

// Cell k (0..PACK-1) of the packed fragment; `ok` is false for padding (past the atlas or the batch).
Cell packedCell(int k, int atlasWidth, out bool ok) {
  ivec2 t = ivec2(int(gl_FragCoord.x) * PACK + k, int(gl_FragCoord.y));
  Cell c = cellAtTexel(t);
  ok = t.x < atlasWidth && c.b < u_batch;
  return c;
}

// Quad q of the packed tensor at cell c itself.
vec4 packedHere(sampler2DArray s, Cell c, int q) {
  return packedFetch(s, c.origin + c.xy, q);
}
