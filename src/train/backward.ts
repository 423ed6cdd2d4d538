/**
 * One backward step on the GPU (docs/model.md, "Training iteration"): given g_{t+1} = dL/dx_{t+1},
 * adds step t's share of the weight gradient to the running partials and, unless t = 0, produces
 * g_t. Pass by pass (glsl/train/):
 *
 *   perceive        x_t → perception quads 4..11                       (1 draw, 8 targets)
 *   bw_out_<rule>   g_{t+1} → g_out (to the MLP), g_direct (to x_t)   (1 draw, 8 targets)
 *   bw_hidden       → g_z0 and the hidden activation, 4 quads a draw  (⌈hidden/16⌉ draws)
 *   grad_partial    partials += g_z0 ⊗ [p, 1] and g_out ⊗ [act, 1]     (1 draw)
 *   bw_input        g_p = w0ᵀ g_z0                                      (2 draws: 8 + 4 quads)
 *   bw_perceive     g_t = g_direct + perceptionᵀ g_p (+ loss term)     (1 draw)
 *
 * Memory: per-cell scratch of 8 (perception) + 8 (g_out, g_direct) + hidden/2 (g_z0, act) + 12 (g_p)
 * + 2 × 4 (g ping-pong) layers of the atlas, reused by every step.
 */
import type { Defines } from '../gl/program';
import type { GpuTexture, PassProgram, Runtime, Target, Uniforms } from '../gl/runtime';
import { rateThreshold } from '../engine/hash';
import type { Atlas } from '../engine/layout';
import type { RuleConfig } from '../engine/model';
import { layoutUniforms, ruleDefines, setLayers } from '../engine/step';

export interface BackwardBuffers {
  perc: GpuTexture; // 8 layers
  gout: GpuTexture; // 8 layers: 0–3 g_out, 4–7 g_direct
  hidden: GpuTexture; // hidden/2 layers: g_z0 then act
  gp: GpuTexture; // 12 layers
}

export interface StepInputs {
  params: GpuTexture;
  /** x_t */
  state: GpuTexture;
  /** g_{t+1} */
  grad: GpuTexture;
  /** where g_t goes (null at t = 0) */
  gradOut: GpuTexture | null;
  /** growing: stored alive masks, layer t */
  alive: GpuTexture | null;
  target: GpuTexture;
  /** 1/N when t is in the loss window, else 0 */
  lossScale: number;
  partialIn: GpuTexture;
  partialOut: GpuTexture;
  counters: { seed: number; iteration: number; step: number };
}

/** Rows of the parameter texture (hidden/4 + 4) and chunking of the gradient partials. */
export interface PartialLayout {
  ph: number;
  quads: number; // column quads: ceil(param width / 4)
  chunkRows: number;
  chunks: number;
}

export function partialLayout(a: Atlas, hidden: number, paramWidth: number, maxTextureSize: number): PartialLayout {
  const ph = hidden / 4 + 4;
  let chunkRows = 1;
  while (Math.ceil(a.atlasHeight / chunkRows) * ph > maxTextureSize) chunkRows++;
  return { ph, quads: Math.ceil(paramWidth / 4), chunkRows, chunks: Math.ceil(a.atlasHeight / chunkRows) };
}

export class BackwardStep {
  private readonly perceive: PassProgram;
  private readonly out: PassProgram;
  private readonly hiddenPasses: { prog: PassProgram; base: number; n: number; targets: Target[] }[] = [];
  private readonly inputPasses: { prog: PassProgram; base: number; n: number }[] = [];
  private readonly bwPerceive: PassProgram;
  private readonly partial: PassProgram;
  private readonly u: Uniforms;
  private readonly t8: Target[] = [];
  private readonly t4: Target[] = [];

  constructor(
    private readonly rt: Runtime,
    readonly cfg: RuleConfig,
    readonly atlas: Atlas,
    readonly pl: PartialLayout,
    loss: 'mse' | 'l1l2',
  ) {
    const d: Defines = { ...ruleDefines(cfg), LOSS_L1L2: loss === 'l1l2' };
    this.perceive = rt.program('train/perceive.frag', d);
    this.out = rt.program(cfg.rule === 'seed' ? 'train/bw_out_seed.frag' : 'train/bw_out_growing.frag', d);
    const h4 = cfg.hidden / 4;
    for (let base = 0; base < h4; base += 4) {
      const n = Math.min(4, h4 - base);
      this.hiddenPasses.push({ prog: rt.program('train/bw_hidden.frag', { ...d, NQ: n }), base, n, targets: [] });
    }
    for (const [base, n] of [[0, 8], [8, 4]] as const) this.inputPasses.push({ prog: rt.program('train/bw_input.frag', { ...d, NQ: n }), base, n });
    this.bwPerceive = rt.program('train/bw_perceive.frag', d);
    this.partial = rt.program('train/grad_partial.frag', { ...d, PH: pl.ph, BIAS1: cfg.rule === 'seed' ? '1.0' : '0.0' });
    this.u = { ...layoutUniforms(atlas), u_threshold: rateThreshold(cfg.rate), u_atlas: [atlas.atlasWidth, atlas.atlasHeight], u_chunkRows: pl.chunkRows };
  }

  /** Allocates the per-step scratch textures. */
  static buffers(rt: Runtime, a: Atlas, hidden: number): BackwardBuffers {
    const tex = (layers: number, label: string) => rt.texture(a.atlasWidth, a.atlasHeight, layers, 'rgba32f', label);
    return { perc: tex(8, 'perception'), gout: tex(8, 'output gradients'), hidden: tex(hidden / 2, 'hidden gradients and activations'), gp: tex(12, 'perception gradients') };
  }

  run(b: BackwardBuffers, s: StepInputs): void {
    const rt = this.rt;
    const u = this.u;
    u.u_state = s.state;
    u.u_params = s.params;
    u.u_perc = b.perc;
    u.u_grad = s.grad;
    u.u_gout = b.gout;
    u.u_hidden = b.hidden;
    u.u_gp = b.gp;
    u.u_target = s.target;
    u.u_lossScale = s.lossScale;
    u.u_seed = s.counters.seed >>> 0;
    u.u_iteration = s.counters.iteration >>> 0;
    u.u_step = s.counters.step >>> 0;
    u.u_prev = s.partialIn;
    if (s.alive) {
      u.u_alive = s.alive;
      u.u_aliveLayer = s.counters.step;
    }
    rt.run(this.perceive, { targets: setLayers(this.t8, b.perc, 0, 8), uniforms: u });
    rt.run(this.out, { targets: setLayers(this.t8, b.gout, 0, 8), uniforms: u });
    const h4 = this.cfg.hidden / 4;
    for (const p of this.hiddenPasses) {
      const t = p.targets;
      if (t[0]?.tex !== b.hidden) {
        t.length = 0;
        for (let k = 0; k < p.n; k++) t.push({ tex: b.hidden, layer: p.base + k });
        for (let k = 0; k < p.n; k++) t.push({ tex: b.hidden, layer: h4 + p.base + k });
      }
      u.u_base = p.base;
      rt.run(p.prog, { targets: t, uniforms: u });
    }
    rt.run(this.partial, { targets: setLayers(this.t4, s.partialOut, 0, 4), uniforms: u });
    if (!s.gradOut) return;
    for (const p of this.inputPasses) {
      u.u_base = p.base;
      rt.run(p.prog, { targets: setLayers(this.t8, b.gp, p.base, p.n), uniforms: u });
    }
    rt.run(this.bwPerceive, { targets: setLayers(this.t4, s.gradOut, 0, 4), uniforms: u });
  }
}
