/**
 * Where the rollout's states live during an iteration. By default every state x_0..x_T has its own
 * texture (backprop reads them in reverse). With checkpointing every k steps, only x_0, x_k, x_2k, …
 * are kept, plus k − 1 segment textures that the backward pass refills by recomputing forward from
 * the segment's checkpoint: ⌈T/k⌉ + k textures instead of T + 1, for about one extra forward pass.
 */
import type { GpuTexture, Runtime } from '../gl/runtime';
import { type Atlas, atlasTexture } from '../engine/layout';

export class StateStore {
  readonly every: number;
  private readonly all: GpuTexture[] = [];
  private readonly checkpoints: GpuTexture[] = [];
  private readonly segment: GpuTexture[] = [];

  constructor(
    private readonly rt: Runtime,
    a: Atlas,
    maxSteps: number,
    every: number,
  ) {
    this.every = every > 1 ? every : 0;
    const tex = (label: string) => atlasTexture(rt, a, 4, rt.format, label);
    if (!this.every) {
      for (let t = 0; t <= maxSteps; t++) this.all.push(tex(`state x_${t}`));
    } else {
      for (let i = 0; i <= Math.floor(maxSteps / this.every); i++) this.checkpoints.push(tex(`checkpoint x_${i * this.every}`));
      for (let i = 1; i < this.every; i++) this.segment.push(tex(`segment state ${i}`));
    }
  }

  /** The texture that holds x_t. */
  slot(t: number): GpuTexture {
    if (!this.every) return this.all[t]!;
    const r = t % this.every;
    return r === 0 ? this.checkpoints[t / this.every]! : this.segment[r - 1]!;
  }

  dispose(): void {
    for (const t of [...this.all, ...this.checkpoints, ...this.segment]) this.rt.free(t);
  }
}
