// adam.frag — one Adam update of every parameter (docs/model.md, training step 5–6):
//   g = grad + 2λw, optionally g /= (‖g_tensor‖ + 1e-8);
//   m' = β1 m + (1−β1) g;  v' = β2 v + (1−β2) g²;  w' = w − lr · (m'/bc1) / (sqrt(v'/bc2) + ε)
// with bias corrections bc1 = 1 − β1ⁿ, bc2 = 1 − β2ⁿ computed on the CPU. Padding texels stay 0.
//
// Inputs:   u_params, u_m, u_v, u_grad  sampler2D  (parameter texture layout, mlp.glsl)
//           u_norms  sampler2D  4×1: ‖g‖² per tensor (grad_norm.frag)
// Outputs:  location 0 = w', 1 = m', 2 = v'
// Uniforms: u_lr, u_beta1, u_beta2, u_eps, u_bc1, u_bc2, u_decay2 float; u_normalize int (0/1)
// Defines:  HIDDEN, HIDDEN4, HAS_B1
#include "common/mlp.glsl"

uniform sampler2D u_params;
uniform sampler2D u_m;
uniform sampler2D u_v;
uniform sampler2D u_grad;
uniform sampler2D u_norms;
uniform float u_lr;
uniform float u_beta1;
uniform float u_beta2;
uniform float u_eps;
uniform float u_bc1;
uniform float u_bc2;
uniform float u_decay2;
uniform int u_normalize;

layout(location = 0) out vec4 oW;
layout(location = 1) out vec4 oM;
layout(location = 2) out vec4 oV;

void main() {
  ivec2 t = ivec2(gl_FragCoord.xy);
  int tensor = paramTensor(t);
  if (tensor < 0) { oW = oM = oV = vec4(0.0); return; }
  vec4 w = texelFetch(u_params, t, 0);
  vec4 g = texelFetch(u_grad, t, 0) + u_decay2 * w;
  if (u_normalize == 1) g /= sqrt(texelFetch(u_norms, ivec2(tensor, 0), 0).r) + 1e-8;
  vec4 m = u_beta1 * texelFetch(u_m, t, 0) + (1.0 - u_beta1) * g;
  vec4 v = u_beta2 * texelFetch(u_v, t, 0) + (1.0 - u_beta2) * g * g;
  oW = w - u_lr * (m / u_bc1) / (sqrt(v / u_bc2) + u_eps);
  oM = m;
  oV = v;
}
