// select.frag — the article tasks' pool step on a sampled batch (src/train/pool.ts, drawFresh): the
// u_fresh grids ranked worst (ranks 0 … u_fresh − 1) take the same grid of u_freshStates (the target
// perturbed at the curriculum's level), the u_damage grids ranked best (the highest ranks) take
// u_damaged (their own state with the task's perturbation on top), the others pass through.
//
// Inputs:   u_src          sampler2DArray  the gathered pool batch, atlas layout (layout.glsl)
//           u_freshStates  sampler2DArray  fresh starts, same layout
//           u_damaged      sampler2DArray  u_src perturbed, same layout (read only when u_damage > 0)
//           u_rank         sampler2D       B×1, R = rank of grid b, 0 = highest loss (rank.frag)
// Outputs:  locations 0–3 = the batch's start states
// Uniforms: u_grid, u_tilesX, u_batch, u_row0 (layout.glsl); u_fresh int  grids replaced by fresh starts;
//           u_damage int  grids that get the perturbation
#include "common/layout.glsl"

uniform sampler2DArray u_src;
uniform sampler2DArray u_freshStates;
uniform sampler2DArray u_damaged;
uniform sampler2D u_rank;
uniform int u_fresh;
uniform int u_damage;

layout(location = 0) out vec4 outs[4];

void main() {
  Cell c = fragCell();
  if (c.b >= u_batch) { outs[0] = outs[1] = outs[2] = outs[3] = vec4(0.0); return; }
  int rank = int(texelFetch(u_rank, ivec2(c.b, 0), 0).r);
  if (rank < u_fresh) {
    outs[0] = quadHere(u_freshStates, c, 0);
    outs[1] = quadHere(u_freshStates, c, 1);
    outs[2] = quadHere(u_freshStates, c, 2);
    outs[3] = quadHere(u_freshStates, c, 3);
  } else if (rank >= u_batch - u_damage) {
    outs[0] = quadHere(u_damaged, c, 0);
    outs[1] = quadHere(u_damaged, c, 1);
    outs[2] = quadHere(u_damaged, c, 2);
    outs[3] = quadHere(u_damaged, c, 3);
  } else {
    outs[0] = quadHere(u_src, c, 0);
    outs[1] = quadHere(u_src, c, 1);
    outs[2] = quadHere(u_src, c, 2);
    outs[3] = quadHere(u_src, c, 3);
  }
}
