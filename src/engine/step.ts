/**
 * The forward CA step on the GPU as a list of passes, shared by the engine (running a model) and
 * the trainer (rolling out before backprop).
 *   seed:    step_seed.frag                    x_t → x_{t+1}
 *   growing: update_growing.frag, alive_growing.frag   x_t → u → x_{t+1} (+ the alive mask)
 */
import type { Defines } from '../gl/program';
import type { GpuTexture, PassProgram, Runtime, Target, Uniforms } from '../gl/runtime';
import { rateThreshold } from './hash';
import type { Atlas } from './layout';
import type { RuleConfig } from './model';

export interface Counters {
  seed: number;
  iteration: number;
  step: number;
}

export function layoutUniforms(a: Atlas): Uniforms {
  return { u_grid: [a.width, a.height], u_tilesX: a.tilesX, u_batch: a.batch };
}

export function ruleDefines(cfg: RuleConfig): Defines {
  return {
    RULE_SEED: cfg.rule === 'seed',
    RULE_GROWING: cfg.rule === 'growing',
    HIDDEN: cfg.hidden,
    HIDDEN4: cfg.hidden / 4,
    PER_CELL: cfg.perCell,
    HAS_B1: cfg.rule === 'seed',
  };
}

export function layers(t: GpuTexture, first = 0, n = 4): Target[] {
  return Array.from({ length: n }, (_, i) => ({ tex: t, layer: first + i }));
}

/** Refills `out` with layers first..first+n-1 of `t` (no allocation once `out` has grown). */
export function setLayers(out: Target[], t: GpuTexture, first = 0, n = 4): Target[] {
  out.length = n;
  for (let i = 0; i < n; i++) {
    const e = out[i];
    if (e) {
      e.tex = t;
      e.layer = first + i;
    } else out[i] = { tex: t, layer: first + i };
  }
  return out;
}

export class ForwardStep {
  private readonly update: PassProgram;
  private readonly alive: PassProgram | null;
  private readonly aliveStore: PassProgram | null;
  // uniform objects are reused: the per-step path allocates nothing
  private readonly uUpdate: Uniforms;
  private readonly uAlive: Uniforms;
  private readonly targets: Target[];
  private readonly targetsScratch: Target[] = [];
  private readonly targetsAlive: Target[] = [];

  constructor(
    private readonly rt: Runtime,
    readonly cfg: RuleConfig,
    readonly atlas: Atlas,
  ) {
    const defs = ruleDefines(cfg);
    if (cfg.rule === 'seed') {
      this.update = rt.program('engine/step_seed.frag', defs);
      this.alive = this.aliveStore = null;
    } else {
      this.update = rt.program('engine/update_growing.frag', defs);
      this.alive = rt.program('engine/alive_growing.frag', { STORE_ALIVE: false });
      this.aliveStore = rt.program('engine/alive_growing.frag', { STORE_ALIVE: true });
    }
    this.uUpdate = { ...layoutUniforms(atlas), u_threshold: rateThreshold(cfg.rate) };
    this.uAlive = { ...layoutUniforms(atlas) };
    this.targets = [];
  }

  /** True when the rule needs a scratch state texture (growing: the unmasked update). */
  get needsScratch(): boolean {
    return this.alive !== null;
  }

  /**
   * x_{t+1} = step(x_t): reads `src`, writes `dst` (4 layers each). The growing rule writes its
   * unmasked update to `scratch` first, and the alive mask to `aliveOut` when given.
   */
  run(params: GpuTexture, src: GpuTexture, dst: GpuTexture, k: Counters, scratch?: GpuTexture, aliveOut?: Target): void {
    const u = this.uUpdate;
    u.u_state = src;
    u.u_params = params;
    u.u_seed = k.seed >>> 0;
    u.u_iteration = k.iteration >>> 0;
    u.u_step = k.step >>> 0;
    if (!this.alive) {
      this.rt.run(this.update, { targets: setLayers(this.targets, dst), uniforms: u });
      return;
    }
    if (!scratch) throw new Error('nca-gl: internal: the growing rule needs a scratch texture');
    this.rt.run(this.update, { targets: setLayers(this.targetsScratch, scratch), uniforms: u });
    this.uAlive.u_prev = src;
    this.uAlive.u_next = scratch;
    const t = setLayers(this.targetsAlive, dst);
    if (aliveOut) t.push(aliveOut);
    this.rt.run(aliveOut ? this.aliveStore! : this.alive, { targets: t, uniforms: this.uAlive });
  }
}
