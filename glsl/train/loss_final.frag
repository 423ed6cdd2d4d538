// loss_final.frag — the iteration's loss from the row sums (loss_accum.frag):
//   texel (b, 0), b < B: loss of grid b = its sum / (N / B)      (no weight decay)
//   texel (B, 0):        total loss = Σ / N + λ Σ w²
//
// Inputs:   u_rows   sampler2D  row sums, tilesX × atlas height (.r)
//           u_params sampler2D  parameters (for the weight-decay term)
// Outputs:  location 0 = (loss, 0, 0, 0) on a (B+1)×1 texture
// Uniforms: u_grid, u_tilesX, u_batch; u_invN float  1/N; u_decay float  λ
#include "common/layout.glsl"

uniform sampler2D u_rows;
uniform sampler2D u_params;
uniform float u_invN;
uniform float u_decay;

out vec4 o;

float gridSum(int b) {
  int tx = b % u_tilesX;
  int y0 = (b / u_tilesX) * u_grid.y;
  float s = 0.0;
  for (int y = 0; y < u_grid.y; y++) s += texelFetch(u_rows, ivec2(tx, y0 + y), 0).r;
  return s;
}

void main() {
  int b = int(gl_FragCoord.x);
  if (b < u_batch) {
    o = vec4(gridSum(b) * u_invN * float(u_batch), 0.0, 0.0, 0.0);
    return;
  }
  float s = 0.0;
  for (int i = 0; i < u_batch; i++) s += gridSum(i);
  float w2 = 0.0;
  if (u_decay != 0.0) {
    ivec2 size = textureSize(u_params, 0);
    for (int y = 0; y < size.y; y++)
      for (int x = 0; x < size.x; x++) {
        vec4 w = texelFetch(u_params, ivec2(x, y), 0);
        w2 += dot(w, w);
      }
  }
  o = vec4(s * u_invN + u_decay * w2, 0.0, 0.0, 0.0);
}
