// perturb.frag — damages a batch of states (docs/regimen.md; CPU reference src/tasks/perturb.ts):
//   1. truncation: cells farther than r from the grid centre are zeroed (all channels);
//   2. ablation: u_circles circles of radius ρ at random cells are zeroed;
//   3. noise: every channel of every surviving cell gets σ · N(0, 1) added.
// Distances are compared in integers (see src/tasks/perturb.ts), so the GPU and the reference
// agree exactly on which cells die; the Gaussian draws (Box–Muller) agree to float32 rounding.
//
// Inputs:   u_src sampler2DArray  states to damage, atlas layout (layout.glsl)
//           u_tileFrom sampler2D  R of texel (b, 0) = which tile of u_src grid b reads (pool gathers);
//                                 used when u_gather == 1, else grid b reads tile b
// Outputs:  locations 0–3 = the damaged states, atlas layout
// Uniforms: u_grid, u_tilesX, u_batch, u_row0 (layout.glsl); u_srcTilesX int, u_srcRow0 int  tiles per
//           row and first texel row of u_src's atlas
//           u_seed, u_iteration uint  hash counters; u_stream uint  STREAM_BASE + perturbation stream
//           u_trunc4 float  (2r)² for truncation, or a negative value for none
//           u_circles int  circles per grid; u_radius2 float  ρ²
//           u_noise float  σ
//           u_gather int  1: read grid b from tile u_tileFrom[b] of u_src (pool gathers)
#include "common/layout.glsl"
#include "common/hash.glsl"

uniform sampler2DArray u_src;
uniform sampler2D u_tileFrom;
uniform int u_srcTilesX;
uniform int u_srcRow0;
uniform uint u_seed;
uniform uint u_iteration;
uniform uint u_stream;
uniform float u_trunc4;
uniform int u_circles;
uniform float u_radius2;
uniform float u_noise;
uniform int u_gather;

layout(location = 0) out vec4 outs[4];

const float TWO_PI = 6.283185307179586;

void main() {
  Cell c = fragCell();
  if (c.b >= u_batch) { outs[0] = outs[1] = outs[2] = outs[3] = vec4(0.0); return; }
  int from = u_gather == 1 ? int(texelFetch(u_tileFrom, ivec2(c.b, 0), 0).r) : c.b;
  ivec2 origin = gridOrigin(from, u_srcTilesX, u_srcRow0);
  vec4 s[4];
  for (int q = 0; q < 4; q++) s[q] = texelFetch(u_src, ivec3(origin + c.xy, q), 0);
  {
    float keep = 1.0;
    if (u_trunc4 >= 0.0) {
      ivec2 d = 2 * c.xy - (u_grid - 1);
      if (float(d.x * d.x + d.y * d.y) >= u_trunc4) keep = 0.0;
    }
    for (int k = 0; k < u_circles; k++) {
      uint key = cellKey(u_seed, u_iteration, u_stream + 1u, uint(c.b), uint(k));
      ivec2 centre = ivec2(int(draw24(key, 0u) % uint(u_grid.x)), int(draw24(key, 1u) % uint(u_grid.y)));
      ivec2 d = c.xy - centre;
      if (float(d.x * d.x + d.y * d.y) < u_radius2) keep = 0.0;
    }
    for (int q = 0; q < 4; q++) s[q] *= keep;
    if (u_noise > 0.0 && keep > 0.0) {
      uint key = cellKey(u_seed, u_iteration, u_stream, uint(c.b), cellIndex(c));
      for (int q = 0; q < 4; q++) {
        vec4 n;
        for (int i = 0; i < 4; i++) {
          uint ch = uint(4 * q + i);
          float u1 = (float(draw24(key, 2u * ch)) + 0.5) * (1.0 / 16777216.0);
          float u2 = float(draw24(key, 2u * ch + 1u)) * (1.0 / 16777216.0);
          // cos(2πu) = −cos(2π(u − ½)): the argument stays in [−π, π), where cos is accurate
          n[i] = -sqrt(-2.0 * log(u1)) * cos(TWO_PI * (u2 - 0.5));
        }
        s[q] += u_noise * n;
      }
    }
  }
  outs[0] = s[0]; outs[1] = s[1]; outs[2] = s[2]; outs[3] = s[3];
}
