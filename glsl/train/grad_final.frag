// grad_final.frag — sums the per-chunk partials (grad_partial.frag) into the parameter gradient,
// laid out like the parameter texture (mlp.glsl).
//
// Inputs:   u_partial sampler2DArray  texel (k, r + PH·i8), layer 4·n + c = column 4·(2·i8 + n) + c
// Outputs:  location 0 = gradient texel (i, r)
// Uniforms: u_chunks int  number of chunks k
// Defines:  PH (= HIDDEN4 + 4)

uniform sampler2DArray u_partial;
uniform int u_chunks;

out vec4 o;

void main() {
  ivec2 t = ivec2(gl_FragCoord.xy);
  int q = t.x / 4;
  int row = t.y + PH * (q / 2);
  int layer = (q % 2) * 4 + t.x % 4;
  vec4 s = vec4(0.0);
  for (int k = 0; k < u_chunks; k++) s += texelFetch(u_partial, ivec3(k, row, layer), 0);
  o = s;
}
