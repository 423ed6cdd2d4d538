/**
 * One backward step on the GPU (docs/model.md, "Training iteration"): given g_{t+1} = dL/dx_{t+1},
 * adds step t's share of the weight gradient to the running partials and, unless t = 0, produces
 * g_t. Pass by pass (glsl/train/):
 *
 *   bw_out          g_{t+1} → g_out (to the MLP), g_direct (to x_t)   (1 draw, 8 targets; the
 *                   rule's part is its file's ruleUpdateBack, or ruleUpdateBackNext from x_{t+1})
 *   perceive        x_t → perception quads 4..11                       (1 draw, 8 targets; before
 *                   bw_out when bw_out recomputes the MLP from it)
 *
 * Cells whose g_out is zero (dead, or not updated at step t) contribute nothing to the weight
 * gradient or to g_p: perceive, bw_hidden and bw_input write zeros there without computing, which a
 * SIMD renderer turns into skipped blocks over a grid's background (docs/model.md).
 *   bw_hidden       → g_z0 and the hidden activation, one hidden quad of 4 cells a draw (hidden/4 draws)
 *   grad_partial    partials += g_z0 ⊗ [p, 1] and g_out ⊗ [act, 1]     (1 draw)
 *   bw_input        g_p = w0ᵀ g_z0, two feature quads of 4 cells a draw (6 draws)
 *   bw_perceive     g_t = g_direct + perceptionᵀ g_p (+ loss term)     (1 draw)
 *
 * The passes that multiply by weights (bw_hidden, bw_input) compute PACK = 4 neighbouring cells per
 * fragment so that every weight fetch serves four cells; their outputs are stored packed
 * (glsl/common/packed.glsl). On software WebGL a weight fetch costs far more than the arithmetic it
 * feeds, so this is what sets the speed there.
 *
 * Memory: per-cell scratch of 8 (perception) + 8 (g_out, g_direct) + hidden/2 (g_z0, act) + 12 (g_p)
 * + 2 × 4 (g ping-pong) quads, reused by every step.
 */

/** Cells per fragment of bw_input, and the packing of g_p. */
export const PACK = 4;
/** Cells per fragment of bw_hidden (two hidden quads each), and the packing of g_z0 / act. */
export const HPACK = 2;
import type { Defines } from '../gl/program';
import type { GpuTexture, PassProgram, Runtime, Target, Uniforms } from '../gl/runtime';
import { type Counters, rateThreshold } from '../engine/hash';
import { type Atlas, atlasTexture } from '../engine/layout';
import type { RuleConfig } from '../engine/model';
import { paramPasses } from '../engine/params';
import { ruleGlslSources, ruleSpec } from '../engine/rules';
import type { LossKind } from '../tasks/training-defaults';
import { layoutUniforms, ruleDefines, setLayers } from '../engine/step';
import { NcaGlError } from '../errors';

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
  /** x_{t+1} (read by bw_out for rules whose passes say bwOutReadsNext) */
  next: GpuTexture;
  /** g_{t+1} */
  grad: GpuTexture;
  /** where g_t goes (null at t = 0) */
  gradOut: GpuTexture | null;
  /** stored alive masks, layer t (rules whose passes store them, RuleSpec.passes.storesAlive) */
  alive: GpuTexture | null;
  target: GpuTexture;
  /** 1/N when t is in the loss window, else 0 */
  lossScale: number;
  partialIn: GpuTexture;
  partialOut: GpuTexture;
  counters: Counters;
}

/**
 * At most this many chunks of atlas rows in the gradient partials: two 64-wide llvmpipe squares
 * and more columns than any GPU's SIMD width, while their memory (chunks × PH × pairs texels of 8
 * layers, twice) stays a few MiB.
 */
export const MAX_PARTIAL_CHUNKS = 128;

/** Rows of the parameter texture (hidden/4 + 4) and chunking of the gradient partials. */
export interface PartialLayout {
  ph: number;
  pairs: number; // column-quad pairs: ceil(param width / 8)
  chunkRows: number;
  chunks: number;
}

export function partialLayout(a: Pick<Atlas, 'atlasHeight'>, hidden: number, paramWidth: number, maxTextureSize: number): PartialLayout {
  const ph = hidden / 4 + 4;
  const pairs = Math.ceil(paramWidth / 8);
  if (pairs * ph > maxTextureSize) {
    throw new NcaGlError('over-budget', `the gradient partials of hidden ${hidden} need ${pairs * ph} texel rows and this device allows ${maxTextureSize}: use fewer hidden units`);
  }
  // the fewest atlas rows per chunk that keep the chunks (one texel column each) within the cap
  const chunkRows = Math.max(1, Math.ceil(a.atlasHeight / MAX_PARTIAL_CHUNKS));
  return { ph, pairs, chunkRows, chunks: Math.ceil(a.atlasHeight / chunkRows) };
}

/** Hidden quads rounded up to even (bw_hidden computes them in pairs). */
export function hiddenQuadsEven(hidden: number): number {
  return 2 * Math.ceil(hidden / 8);
}

export class BackwardStep {
  private readonly perceive: PassProgram;
  private readonly outFirst: boolean;
  private readonly out: PassProgram;
  private readonly hidden: PassProgram;
  private readonly input: PassProgram;
  private hiddenTargets: Target[][] = [];
  private inputTargets: Target[][] = [];
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
    loss: LossKind,
  ) {
    const d: Defines = { ...ruleDefines(cfg), LOSS_L1L2: loss === 'l1l2', PACK, HPACK, HQ: hiddenQuadsEven(cfg.hidden) };
    // bw_out runs before perceive unless it reads the perception (a rule whose backward recomputes
    // the MLP); then perceive can skip the cells whose g_out is zero (SKIP_IDLE)
    this.outFirst = !ruleSpec(cfg.rule).passes.bwOutReadsParams;
    this.perceive = rt.program('train/perceive.frag', { ...d, SKIP_IDLE: this.outFirst });
    // the passes that multiply by the weights read them as paramPasses says (texture or uniform blocks)
    const pp = paramPasses(rt, cfg.hidden);
    const dw = { ...d, ...pp.defines };
    // the passes that include the rule's file (RULE_GLSL) get its text when it is not under glsl/
    const src = ruleGlslSources(cfg.rule);
    this.out = ruleSpec(cfg.rule).passes.bwOutReadsParams ? rt.program('train/bw_out.frag', dw, src, pp.blocks) : rt.program('train/bw_out.frag', d, src);
    this.hidden = rt.program('train/bw_hidden.frag', { ...dw, PACK: HPACK }, src, pp.blocks);
    this.input = rt.program('train/bw_input.frag', dw, undefined, pp.blocks);
    this.bwPerceive = rt.program('train/bw_perceive.frag', d);
    this.partial = rt.program('train/grad_partial.frag', { ...d, PH: pl.ph });
    this.u = {
      ...layoutUniforms(atlas),
      u_threshold: rateThreshold(cfg.rate),
      u_atlas: [atlas.atlasWidth, atlas.atlasHeight],
      u_atlasWidth: atlas.atlasWidth,
      u_chunkRows: pl.chunkRows,
    };
  }

  /** Allocates the per-step scratch textures. */
  static buffers(rt: Runtime, a: Atlas, hidden: number): BackwardBuffers {
    const tex = (layers: number, label: string) => atlasTexture(rt, a, layers, 'rgba32f', label);
    const packed = (pack: number, quads: number, label: string) => atlasTexture(rt, a, quads * pack, 'rgba32f', label, pack);
    return {
      perc: tex(8, 'perception'),
      gout: tex(8, 'output gradients'),
      hidden: packed(HPACK, 2 * hiddenQuadsEven(hidden), 'hidden gradients and activations (packed)'),
      gp: packed(PACK, 12, 'perception gradients (packed)'),
    };
  }

  /** Render targets of every draw, built once per buffer set. */
  private targetsFor(b: BackwardBuffers): void {
    if (this.hiddenTargets[0]?.[0]?.tex === b.hidden && this.inputTargets[0]?.[0]?.tex === b.gp) return;
    const hq = hiddenQuadsEven(this.cfg.hidden);
    const span = (tex: GpuTexture, first: number, n = PACK) => Array.from({ length: n }, (_, k) => ({ tex, layer: first + k }));
    this.hiddenTargets = Array.from({ length: hq / 2 }, (_, i) => [...span(b.hidden, 4 * i, 4), ...span(b.hidden, 2 * hq + 4 * i, 4)]);
    this.inputTargets = Array.from({ length: 6 }, (_, i) => span(b.gp, 8 * i, 8));
  }

  run(b: BackwardBuffers, s: StepInputs): void {
    const rt = this.rt;
    const u = this.u;
    u.u_state = s.state;
    u.u_next = s.next;
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
    if (this.outFirst) {
      rt.run(this.out, { targets: setLayers(this.t8, b.gout, 0, 8), uniforms: u });
      rt.run(this.perceive, { targets: setLayers(this.t8, b.perc, 0, 8), uniforms: u });
    } else {
      rt.run(this.perceive, { targets: setLayers(this.t8, b.perc, 0, 8), uniforms: u });
      rt.run(this.out, { targets: setLayers(this.t8, b.gout, 0, 8), uniforms: u });
    }
    this.targetsFor(b);
    for (let i = 0; i < this.hiddenTargets.length; i++) {
      u.u_j4 = 2 * i;
      rt.run(this.hidden, { targets: this.hiddenTargets[i]!, uniforms: u });
    }
    rt.run(this.partial, { targets: setLayers(this.t8, s.partialOut, 0, 8), uniforms: u });
    if (!s.gradOut) return;
    for (let i = 0; i < 6; i++) {
      u.u_base = 2 * i;
      rt.run(this.input, { targets: this.inputTargets[i]!, uniforms: u });
    }
    rt.run(this.bwPerceive, { targets: setLayers(this.t4, s.gradOut, 0, 4), uniforms: u });
  }
}
