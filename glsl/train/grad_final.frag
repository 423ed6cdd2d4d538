// grad_final.frag — sums the per-chunk partials (grad_partial.frag) into the parameter gradient,
// laid out like the parameter texture (mlp.glsl).
//
// Inputs:   u_partial sampler2DArray  texel (i8, r + PH·k), layer 4·n + c = column 4·(2·i8 + n) + c
// Outputs:  location 0 = gradient texel (i, r)
// Uniforms: u_chunks int  number of chunks k
// Defines:  PH (= HIDDEN4 + 4)

uniform sampler2DArray u_partial;
uniform int u_chunks;

out vec4 o;

void main() {
  ivec2 t = ivec2(gl_FragCoord.xy);
  int q = t.x / 4;
  ivec2 at = ivec2(q / 2, t.y);
  int layer = (q % 2) * 4 + t.x % 4;
  vec4 s = vec4(0.0);
  for (int k = 0; k < u_chunks; k++) s += texelFetch(u_partial, ivec3(at.x, at.y + PH * k, layer), 0);
  o = s;
}
