/**
 * The GPU perturbation pass (glsl/regimen/perturb.frag): applies a Perturbation (tasks/perturb.ts,
 * which holds the CPU reference drawing the same random numbers) to a batch of states, optionally
 * gathering the batch from a pool's tiles.
 */
import type { GpuTexture, PassProgram, Runtime, Target, Uniforms } from '../gl/runtime';
import type { Atlas } from '../engine/layout';
import { layoutUniforms, setLayers } from '../engine/step';
import { type Perturbation, perturbBounds, PERTURB_STREAM } from '../tasks/perturb';

/** The GPU perturbation pass. */
export class PerturbPass {
  private readonly prog: PassProgram;
  private readonly u: Uniforms;
  private readonly targets: Target[] = [];

  constructor(
    private readonly rt: Runtime,
    readonly atlas: Atlas,
  ) {
    this.prog = rt.program('regimen/perturb.frag');
    this.u = { ...layoutUniforms(atlas), u_srcTilesX: atlas.tilesX, u_srcRow0: atlas.row0, u_gather: 0, u_stream: PERTURB_STREAM };
  }

  /**
   * dst = perturb(src). With `gather` (a 1-row R32F texture of tile indices, and the source's
   * atlas) grid b reads tile gather[b] of src: how batches are drawn from a pool.
   */
  run(src: GpuTexture, dst: GpuTexture, p: Perturbation, seed: number, iteration: number, gather?: { tiles: GpuTexture; atlas: Atlas }): void {
    const u = this.u;
    u.u_src = src;
    u.u_seed = seed >>> 0;
    u.u_iteration = iteration >>> 0;
    const { trunc4, radius2 } = perturbBounds(p);
    u.u_trunc4 = trunc4;
    u.u_circles = p.ablation > 0 ? p.circles : 0;
    u.u_radius2 = radius2;
    u.u_noise = p.noise;
    u.u_gather = gather ? 1 : 0;
    const from = gather ? gather.atlas : this.atlas;
    u.u_srcTilesX = from.tilesX;
    u.u_srcRow0 = from.row0;
    u.u_tileFrom = gather ? gather.tiles : null; // read only when u_gather is 1
    this.rt.run(this.prog, { targets: setLayers(this.targets, dst), uniforms: u });
  }
}
