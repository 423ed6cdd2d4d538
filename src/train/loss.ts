/**
 * The loss passes (glsl/train/loss_*.frag): per-row sums of the loss over the states of the loss
 * window, accumulated as the rollout produces them; the per-grid and total loss (with weight
 * decay) in a small (B+1)×1 texture that is read back only when asked; and the loss gradient
 * that starts the backward pass. Nothing leaves the GPU.
 */
import type { Defines } from '../gl/program';
import type { GpuTexture, PassProgram, Runtime, Target, Uniforms } from '../gl/runtime';
import type { Atlas } from '../engine/layout';
import { layoutUniforms, setLayers } from '../engine/step';

export class LossPasses {
  /** (B+1)×1: texel b = loss of grid b, texel B = the total loss of the iteration. */
  readonly losses: GpuTexture;
  private readonly rows: [GpuTexture, GpuTexture];
  private cur = 0;
  private readonly accum: PassProgram;
  private readonly final: PassProgram;
  private readonly grad: PassProgram;
  private readonly u: Uniforms;
  private readonly t4: Target[] = [];

  constructor(
    private readonly rt: Runtime,
    a: Atlas,
    target: GpuTexture,
    defines: Defines,
  ) {
    this.rows = [rt.texture(a.tilesX, a.atlasHeight, 0, 'rgba32f', 'loss rows A'), rt.texture(a.tilesX, a.atlasHeight, 0, 'rgba32f', 'loss rows B')];
    this.losses = rt.texture(a.batch + 1, 1, 0, 'rgba32f', 'losses');
    this.accum = rt.program('train/loss_accum.frag', defines);
    this.final = rt.program('train/loss_final.frag', defines);
    this.grad = rt.program('train/loss_grad.frag', defines);
    this.u = { ...layoutUniforms(a), u_target: target };
  }

  /** Starts a new sum. */
  reset(): void {
    this.rt.clear(this.rows[0]);
    this.cur = 0;
  }

  /** Adds the loss of `state` (one step of the window) to the row sums. */
  add(state: GpuTexture): void {
    this.u.u_state = state;
    this.u.u_prev = this.rows[this.cur];
    this.rt.run(this.accum, { targets: [{ tex: this.rows[1 - this.cur] }], uniforms: this.u });
    this.cur = 1 - this.cur;
  }

  /** Row sums → per-grid and total loss in `out` (default: `losses`), divided by N, plus λΣw². */
  finish(params: GpuTexture, n: number, decay: number, out: GpuTexture = this.losses): void {
    const u = this.u;
    u.u_rows = this.rows[this.cur];
    u.u_params = params;
    u.u_invN = 1 / n;
    u.u_decay = decay;
    this.rt.run(this.final, { targets: [{ tex: out }], uniforms: u });
  }

  /** g = scale · f'(state − target) on RGBA, 0 elsewhere: the gradient that starts backprop. */
  gradient(state: GpuTexture, scale: number, out: GpuTexture): void {
    this.u.u_state = state;
    this.u.u_lossScale = scale;
    this.rt.run(this.grad, { targets: setLayers(this.t4, out), uniforms: this.u });
  }

  dispose(): void {
    for (const t of [...this.rows, this.losses]) this.rt.free(t);
  }
}
