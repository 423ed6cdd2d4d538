// reseed.frag — the Distill pool step on a sampled batch (docs/regimen.md): the grid ranked worst
// (rank 0) is replaced by the seed, and the u_damage best grids (the highest ranks) lose a random
// disc of radius (0.1 + 0.3 u) · min(W, H) / 2 cells centred in the middle half of the grid
// (columns W/4 … W/4 + W/2 − 1, rows likewise: Distill's centre, uniform in ±0.5 of a grid spanning
// ±1, where the creature is). The u_cuts best of the damaged lose a half-plane instead: the cells
// beyond a straight line near the centre at a random angle, in doubled coordinates relative to the
// grid's centre u = 2x + 1 − W, v = 2y + 1 − H, those with u·dx + v·dy > o·(|dx| + |dy|) for a
// direction (dx, dy) of integers in −64 … 64 (not both 0) and an offset o in −q … q, q = min(W, H)/4
// (all integer: exact on every GPU). Others pass through. CPU mirror: poolDamageDisc and
// poolDamageCut (src/train/pool.ts).
//
// Inputs:   u_src  sampler2DArray  the sampled batch, atlas layout (layout.glsl)
//           u_rank sampler2D       B×1, R = rank of grid b (rank.frag)
// Outputs:  locations 0–3 = the new batch
// Uniforms: u_grid, u_tilesX, u_batch, u_row0; u_damage int  grids to damage; u_cuts int  of
//           those, grids cut in half-planes (u_cuts ≤ u_damage)
//           u_seed, u_iteration, u_stream uint  hash counters of the discs
#include "common/layout.glsl"
#include "common/hash.glsl"

uniform sampler2DArray u_src;
uniform sampler2D u_rank;
uniform int u_damage;
uniform int u_cuts;
uniform uint u_seed;
uniform uint u_iteration;
uniform uint u_stream;

layout(location = 0) out vec4 outs[4];

void main() {
  Cell c = fragCell();
  if (c.b >= u_batch) { outs[0] = outs[1] = outs[2] = outs[3] = vec4(0.0); return; }
  int rank = int(texelFetch(u_rank, ivec2(c.b, 0), 0).r);
  if (rank == 0) {
    // the seed: the centre cell with channels 3..15 = 1
    bool centre = c.xy == u_grid / 2;
    outs[0] = centre ? vec4(0.0, 0.0, 0.0, 1.0) : vec4(0.0);
    outs[1] = outs[2] = outs[3] = centre ? vec4(1.0) : vec4(0.0);
    return;
  }
  float keep = 1.0;
  if (rank >= u_batch - u_damage) {
    uint key = cellKey(u_seed, u_iteration, u_stream, uint(c.b), 0u);
    if (rank >= u_batch - u_cuts) {
      int dx = int(draw24(key, 3u) % 129u) - 64;
      int dy = int(draw24(key, 4u) % 129u) - 64;
      if (dx == 0 && dy == 0) dx = 1;
      int q = min(u_grid.x, u_grid.y) / 4;
      int o = int(draw24(key, 5u) % uint(2 * q + 1)) - q;
      ivec2 uv = 2 * c.xy + 1 - u_grid;
      if (uv.x * dx + uv.y * dy > o * (abs(dx) + abs(dy))) keep = 0.0;
    } else {
      uvec2 span = uvec2(max(u_grid / 2, ivec2(1)));
      ivec2 centre = u_grid / 4 + ivec2(int(draw24(key, 0u) % span.x), int(draw24(key, 1u) % span.y));
      float r = (0.1 + 0.3 * unit01(draw24(key, 2u))) * float(min(u_grid.x, u_grid.y)) * 0.5;
      ivec2 d = c.xy - centre;
      if (float(d.x * d.x + d.y * d.y) < r * r) keep = 0.0;
    }
  }
  outs[0] = quadHere(u_src, c, 0) * keep;
  outs[1] = quadHere(u_src, c, 1) * keep;
  outs[2] = quadHere(u_src, c, 2) * keep;
  outs[3] = quadHere(u_src, c, 3) * keep;
}
