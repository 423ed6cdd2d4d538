// grad_norm.frag — squared L2 norm of each parameter tensor's gradient (weight decay included),
// for per-tensor gradient normalisation. Fragment x = tensor (0 w0, 1 b0, 2 w1, 3 b1).
//
// Inputs:   u_grad   sampler2D  parameter gradient (mlp.glsl layout)
//           u_params sampler2D  parameters
// Outputs:  location 0 = (‖g‖², 0, 0, 0) at texel (tensor, 0) of a 4×1 texture
// Uniforms: u_decay2 float  2λ (the weight-decay gradient is 2λw)
// Defines:  HIDDEN, HIDDEN4, HAS_B1
#include "common/mlp.glsl"

uniform sampler2D u_grad;
uniform sampler2D u_params;
uniform float u_decay2;

out vec4 o;

void main() {
  int tensor = int(gl_FragCoord.x);
  ivec2 size = textureSize(u_grad, 0);
  float s = 0.0;
  for (int y = 0; y < size.y; y++) {
    for (int x = 0; x < size.x; x++) {
      if (paramTensor(ivec2(x, y)) != tensor) continue;
      vec4 g = texelFetch(u_grad, ivec2(x, y), 0) + u_decay2 * texelFetch(u_params, ivec2(x, y), 0);
      s += dot(g, g);
    }
  }
  o = vec4(s, 0.0, 0.0, 0.0);
}
