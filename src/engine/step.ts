/**
 * The forward CA step on the GPU as a list of passes, shared by the engine (running a model) and
 * the trainer (rolling out before backprop):
 *   update   x_t → u, the unmasked update, two cells per fragment (every weight fetch serves two
 *            cells), written packed by 2 into a scratch texture
 *   alive    u (and x_t) → x_{t+1} in the plain atlas layout (+ the alive mask)
 * Both are generic (glsl/engine/update.frag and alive.frag): the rule's registry entry (rules.ts)
 * gives the rule's GLSL file, which update.frag includes, and the alive test as defines.
 */
import type { Defines } from '../gl/program';
import type { GpuTexture, PassProgram, Runtime, Target, Uniforms } from '../gl/runtime';
import { rateThreshold } from './hash';
import { type Atlas, atlasTexture } from './layout';
import type { Counters } from './hash';
import { CHANNELS, hasOutputBias, PERCEPTION, type RuleConfig } from './model';
import { paramPasses } from './params';
import { aliveGlslDefines, ruleGlslDefines, ruleGlslSources, ruleSpec } from './rules';

export type { Counters };

/** Cells per fragment of the forward update passes (their output is packed by this). */
export const UPDATE_PACK = 2;

export function layoutUniforms(a: Atlas): Uniforms {
  return { u_grid: [a.width, a.height], u_tilesX: a.tilesX, u_batch: a.batch, u_row0: a.row0 };
}

export function ruleDefines(cfg: RuleConfig): Defines {
  return {
    ...ruleGlslDefines(cfg.rule),
    HIDDEN: cfg.hidden,
    HIDDEN4: cfg.hidden / 4,
    PER_CELL: cfg.perCell,
    HAS_B1: hasOutputBias(cfg),
    PERCEPTION,
    CHANNELS,
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
  private readonly alive: PassProgram;
  private readonly aliveStore: PassProgram;
  // uniform objects are reused: the per-step path allocates nothing
  private readonly uUpdate: Uniforms;
  private readonly uAlive: Uniforms;
  private readonly targetsScratch: Target[] = [];
  private readonly targetsAlive: Target[] = [];

  constructor(
    private readonly rt: Runtime,
    readonly cfg: RuleConfig,
    readonly atlas: Atlas,
  ) {
    const pp = paramPasses(rt, cfg.hidden);
    const defs = { ...ruleDefines(cfg), ...pp.defines, PACK: UPDATE_PACK };
    this.update = rt.program('engine/update.frag', defs, ruleGlslSources(cfg.rule), pp.blocks);
    const aliveDefs = { ...aliveGlslDefines(cfg.rule), PACK: UPDATE_PACK };
    this.alive = rt.program('engine/alive.frag', { ...aliveDefs, STORE_ALIVE: false });
    this.aliveStore = ruleSpec(cfg.rule).passes.storesAlive ? rt.program('engine/alive.frag', { ...aliveDefs, STORE_ALIVE: true }) : this.alive;
    this.uUpdate = { ...layoutUniforms(atlas), u_threshold: rateThreshold(cfg.rate), u_atlasWidth: atlas.atlasWidth };
    this.uAlive = { ...layoutUniforms(atlas) };
  }

  /** The scratch texture the update goes through: the atlas packed by 2, 8 layers. */
  static scratch(rt: Runtime, a: Atlas): GpuTexture {
    return atlasTexture(rt, a, 4 * UPDATE_PACK, rt.format, 'update scratch (packed)', UPDATE_PACK);
  }

  /**
   * x_{t+1} = step(x_t): reads `src`, writes `dst` (4 layers each) through `scratch`
   * (ForwardStep.scratch). A rule whose backward pass needs the alive mask (RuleSpec.passes.storesAlive)
   * writes it to `aliveOut` when given.
   */
  run(params: GpuTexture, src: GpuTexture, dst: GpuTexture, k: Counters, scratch: GpuTexture, aliveOut?: Target): void {
    const u = this.uUpdate;
    u.u_state = src;
    u.u_params = params;
    u.u_seed = k.seed >>> 0;
    u.u_iteration = k.iteration >>> 0;
    u.u_step = k.step >>> 0;
    this.rt.run(this.update, { targets: setLayers(this.targetsScratch, scratch, 0, 4 * UPDATE_PACK), uniforms: u });
    this.uAlive.u_prev = src;
    this.uAlive.u_next = scratch;
    const t = setLayers(this.targetsAlive, dst);
    if (aliveOut) t.push(aliveOut);
    this.rt.run(aliveOut ? this.aliveStore : this.alive, { targets: t, uniforms: this.uAlive });
  }
}
