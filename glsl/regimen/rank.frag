// rank.frag — ranks the grids of a batch by loss, highest first: texel (b, 0) gets the number of
// grids with a higher loss (ties broken by index), so rank 0 is the worst grid. Used by the
// Distill regimen to pick which grid to reseed and which to damage, without a readback.
//
// Inputs:   u_losses sampler2D  (B+1)×1, R of texel b = loss of grid b (train/loss_final.frag)
// Outputs:  location 0 = (rank, 0, 0, 0) on a B×1 texture
// Uniforms: u_batch int

uniform sampler2D u_losses;
uniform int u_batch;

out vec4 o;

void main() {
  int b = int(gl_FragCoord.x);
  float lb = texelFetch(u_losses, ivec2(b, 0), 0).r;
  int rank = 0;
  for (int j = 0; j < u_batch; j++) {
    float lj = texelFetch(u_losses, ivec2(j, 0), 0).r;
    if (lj > lb || (lj == lb && j < b)) rank++;
  }
  o = vec4(float(rank), 0.0, 0.0, 0.0);
}
