// perceive.frag — stores the perception of x_t for the backward passes: feature quads 4..11
// (quads 0..3 are x_t itself; see train.glsl).
//
// Inputs:   u_state sampler2DArray  x_t, 4 layers, atlas layout (layout.glsl)
//           u_gout  sampler2DArray  (SKIP_IDLE) layers 0–3 = g_out of this step (bw_out.frag ran first)
// Outputs:  locations 0–7 = perception quads 4..11, as layers 0–7 of the perception texture; with
//           SKIP_IDLE zero at cells whose g_out is zero (their perception only meets g_z0 = 0:
//           bw_hidden, grad_partial)
// Uniforms: u_grid, u_tilesX, u_batch, u_row0
// Defines:  PERCEIVE_MOORE / PERCEIVE_SOBEL (perceive.glsl), SKIP_IDLE, LOSS_L1L2 (train.glsl)
#include "common/layout.glsl"
#include "common/perceive.glsl"
#include "common/train.glsl"

uniform sampler2DArray u_state;
#if SKIP_IDLE
uniform sampler2DArray u_gout;
#endif

layout(location = 0) out vec4 o0;
layout(location = 1) out vec4 o1;
layout(location = 2) out vec4 o2;
layout(location = 3) out vec4 o3;
layout(location = 4) out vec4 o4;
layout(location = 5) out vec4 o5;
layout(location = 6) out vec4 o6;
layout(location = 7) out vec4 o7;

void main() {
  Cell c = fragCell();
  vec4 p[12];
  bool idle = false;
#if SKIP_IDLE
  idle = outputIdle(u_gout, c.origin + c.xy);
#endif
  if (c.b < u_batch && !idle) perceive(u_state, c, p);
  else for (int i = 0; i < 12; i++) p[i] = vec4(0.0);
  o0 = p[4]; o1 = p[5]; o2 = p[6]; o3 = p[7];
  o4 = p[8]; o5 = p[9]; o6 = p[10]; o7 = p[11];
}
