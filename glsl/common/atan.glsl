// atan.glsl — arctangent with float32-rounding accuracy on every renderer (|error| ≤ ~2e-7).
//
// GLSL leaves the precision of built-in atan to the implementation, and renderers differ: the
// `seed` rule's 32-step forward run drifted 1.0e-4 from the float64 reference on llvmpipe against
// 1.4e-5 on SwiftShader, because llvmpipe's atan is coarser. This one uses only +, ×, ÷:
//   |x| > 1:            atan(x) = π/2 − atan(1/x)
//   r > tan(π/8):       atan(r) = π/4 + atan((r − 1)/(r + 1))
//   |t| ≤ tan(π/8):     atan(t) = t·P(t²), P of degree 5 fitted to float64 atan on Chebyshev
//                       nodes (2.3e-10 before float32 rounding).
// Defines: none. Used by the seed rule's activation (rules/seed.glsl).

vec4 ncaAtan(vec4 x) {
  vec4 ax = abs(x);
  vec4 inv = vec4(greaterThan(ax, vec4(1.0)));
  vec4 r = mix(ax, 1.0 / max(ax, vec4(1.0)), inv);
  vec4 mid = vec4(greaterThan(r, vec4(0.41421356)));
  vec4 t = mix(r, (r - 1.0) / (r + 1.0), mid);
  vec4 s = t * t;
  vec4 p = t * (0.9999999993918184 + s * (-0.33333307483554603 + s * (0.19998210260378613 +
           s * (-0.1423997289969267 + s * (0.10572739396050722 + s * -0.06033047214408146)))));
  vec4 a = p + mid * 0.78539816339744831;
  a = mix(a, 1.57079632679489662 - a, inv);
  return sign(x) * a;
}
