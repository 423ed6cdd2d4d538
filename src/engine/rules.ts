/**
 * The update rules, one entry each: everything that differs between the seed article's rule
 * (`seed`) and Distill's (`growing`) lives here, and every other module asks this registry instead
 * of comparing rule names. `RULES` is a `Record<Rule, RuleSpec>`, so a new name in `Rule` does not
 * compile until it has an entry (docs/model.md, "Update rules").
 *
 * Per rule:
 *   shapes     whether the output bias b1 is part of the rule ('always') or an option ('optional')
 *   defaults   hidden units, update rate, per-cell or per-channel masks
 *   perception the two stencil groups after the identity (`stencil`)
 *   MLP        hidden activation and its slope, output nonlinearity (CPU; GLSL via `defines`)
 *   update     how u combines x, the mask m and the MLP output y, and its two partial derivatives
 *   alive      which alpha decides whether a cell lives (or none), and the threshold
 *   init       the initial weights
 *   GLSL       the rule's file (ruleAct, ruleActBack, ruleUpdate, ruleUpdateBack), which the
 *              generic passes include, and what the first backward pass needs from the forward one
 *
 * Code that a test rule may reach (the engine, the trainer, the CPU references) looks a rule up
 * with `ruleSpec(rule)`, which also knows the rules a test registered (`registerTestRule`, the one
 * test seam: a rule that is not shipped, with its GLSL as text). The file formats, presets, CLI and
 * UI list RULE_NAMES and read RULES.
 *
 * This module is a leaf of the engine: it imports only the hash, the errors and types, so model.ts,
 * the CPU references, the passes and the io layer can all import it.
 */
import { describe, NcaGlError } from '../errors';
import type { Defines } from '../gl/program';
import { cellKey, draw24, normals, STREAM_BASE } from './hash';

export type Rule = 'seed' | 'growing';
/** Channels per cell: RGBA then 12 hidden channels. */
export const CHANNELS = 16;
/** Perception features per cell (3 per channel). */
export const PERCEPTION = 48;
/** A cell whose alive signal is at or below this is dead (SPEC §2). */
export const ALIVE_THRESHOLD = 0.1;

/**
 * Name of the hidden activation ('atan', 'relu'; a test rule's 'tanh'), for documentation and
 * messages: the functions are RuleSpec.act/actBack and the rule file's ruleAct/ruleActBack.
 */
export type Activation = string;

/** Perception stencils the shaders know (glsl: PERCEIVE_<NAME>). */
export type Perception = 'moore' | 'sobel';
const PERCEPTIONS = ['moore', 'sobel'] as const satisfies readonly Perception[];

/**
 * Whose alpha decides life: the cell's own update (`self`), the 3×3 max before and after
 * (`neighbourhood`), or nobody: every cell lives (`none`, no alive masking). glsl/engine/alive.frag
 * and the CPU reference implement each (glsl: ALIVE_<TEST>).
 */
export type AliveTest = 'self' | 'neighbourhood' | 'none';
const ALIVE_TESTS = ['self', 'neighbourhood', 'none'] as const satisfies readonly AliveTest[];

/** Initial weights, written into zeroed tensors of the rule's shapes. */
type Init = (w: { w0: Float32Array; w1: Float32Array }, hidden: number, seed: number) => void;

export interface RuleSpec {
  readonly name: Rule;
  /** 'always': b1 is part of the rule; 'optional': b1 only with `outputBias: true`. */
  readonly outputBias: 'always' | 'optional';
  /** RuleConfig defaults. */
  readonly defaults: { readonly hidden: number; readonly rate: number; readonly perCell: boolean };
  readonly perception: Perception;
  readonly activation: Activation;
  /** Whether the activation has kinks (relu's sign): lossAndPattern records them. */
  readonly kinked: boolean;
  /** Hidden activation a(z) (CPU reference). */
  act(z: number): number;
  /** ∂L/∂z through the activation, given g = ∂L/∂a at pre-activation z. */
  actBack(g: number, z: number): number;
  /** Output nonlinearity y(z1) of the MLP (CPU reference). */
  output(z: number): number;
  /** The unmasked update u of one channel from its value x, mask m (0/1) and MLP output y. */
  update(x: number, m: number, y: number): number;
  /** ∂L/∂x through `update`, given g = ∂L/∂u. */
  updateDx(g: number, m: number): number;
  /** ∂L/∂z1 (the MLP's output pre-activation) through `update` and `output`, given g = ∂L/∂u and y. */
  updateDz(g: number, m: number, y: number): number;
  readonly alive: AliveTest;
  readonly aliveThreshold: number;
  readonly init: Init;
  /**
   * The rule's GLSL file (under glsl/): ruleAct, ruleActBack, ruleUpdate and ruleUpdateBack (the
   * GLSL side of act, actBack, update + output, and the two partials), which the generic passes
   * (engine/update.frag, train/bw_out.frag, train/bw_hidden.frag) include as RULE_GLSL.
   */
  readonly glsl: string;
  /** The text of that file when it is not under glsl/ (a rule a test registers); absent otherwise. */
  readonly glslSource?: string;
  /** What the generic passes need to know beyond the rule's file. */
  readonly passes: {
    /**
     * train/bw_out.frag recomputes the cell's MLP (it reads the parameters, as texture or uniform
     * blocks): needed when ruleUpdateBack reads z1, or when the alive test is `self` and not stored.
     */
    readonly bwOutReadsParams: boolean;
    /**
     * train/bw_out.frag reads the stored next state x_{t+1} instead and calls the rule file's
     * `ruleUpdateBackNext(g, m, xn, gz1, gx)` (default false). For a rule whose update keeps what its
     * backward needs: a live cell's x_{t+1} is its update u (the alive pass writes A·u), a dead
     * cell's is 0 and its gradient 0. The `seed` rule's u is sigmoid(z1) wherever it fires, so its
     * backward needs no MLP recompute; a `self` alive test is read from x_{t+1}'s alpha (so the
     * threshold must be ≥ 0). Exclusive with bwOutReadsParams.
     */
    readonly bwOutReadsNext?: boolean;
    /**
     * The forward pass stores each step's alive mask for the backward pass (r8, one layer a step):
     * needed for the `neighbourhood` test, whose backward cannot recompute the neighbours' update.
     */
    readonly storesAlive: boolean;
  };
  /** Where a model of this rule starts when a task does not say: the seed or the target. */
  readonly start: 'seed' | 'target';
  /** Distill's JSON format can hold this rule. */
  readonly distillFormat: boolean;
}

const sobel = (dx: number, dy: number) => ({
  kx: [-1, 0, 1, -2, 0, 2, -1, 0, 1][(dy + 1) * 3 + dx + 1]!,
  ky: [-1, -2, -1, 0, 0, 0, 1, 2, 1][(dy + 1) * 3 + dx + 1]!,
});

/**
 * The perception weight of neighbour (dx, dy) for feature group g (0: self, 1, 2):
 * feature p[16 g + c] = Σ_{dx,dy} stencil(g, dx, dy) · s_c(x + dx, y + dy). dy points down the image.
 */
export function perceptionStencil(kind: Perception, g: number, dx: number, dy: number): number {
  if (g === 0) return dx === 0 && dy === 0 ? 1 : 0;
  const { kx, ky } = sobel(dx, dy);
  switch (kind) {
    case 'moore':
      return g === 1 ? (dx === 0 && dy === 0 ? 0 : 0.125) : kx + ky;
    case 'sobel':
      return (g === 1 ? kx : ky) * 0.125;
  }
}

export const RULES: Readonly<Record<Rule, RuleSpec>> = {
  // u = m ? sigmoid(w1·atan(w0·p + b0) + b1) : x; alive when u's own alpha > 0.1;
  // init: every weight 100·N(0,1)/(fan_in·fan_out), biases 0
  seed: {
    name: 'seed',
    outputBias: 'always',
    defaults: { hidden: 64, rate: 0.8, perCell: false },
    perception: 'moore',
    activation: 'atan',
    kinked: false,
    act: (z) => Math.atan(z),
    actBack: (g, z) => g / (1 + z * z),
    output: (z) => 1 / (1 + Math.exp(-z)),
    update: (x, m, y) => (m ? y : x),
    updateDx: (g, m) => (1 - m) * g,
    updateDz: (g, m, y) => m * g * y * (1 - y),
    alive: 'self',
    aliveThreshold: ALIVE_THRESHOLD,
    init: (w, hidden, seed) => {
      const n0 = normals(seed, 1, w.w0.length);
      const s0 = 100 / (PERCEPTION * hidden);
      for (let i = 0; i < n0.length; i++) w.w0[i] = s0 * n0[i]!;
      const n1 = normals(seed, 2, w.w1.length);
      const s1 = 100 / (hidden * CHANNELS);
      for (let i = 0; i < n1.length; i++) w.w1[i] = s1 * n1[i]!;
    },
    glsl: 'rules/seed.glsl',
    passes: { bwOutReadsParams: false, bwOutReadsNext: true, storesAlive: false },
    start: 'target',
    distillFormat: false,
  },
  // u = x + m·(w1·relu(w0·p + b0) (+ b1)); alive when the 3×3 max alpha > 0.1 before and after;
  // init: w0 Glorot-uniform, b0 0, w1 0 and b1 (with outputBias) 0, so the first model does nothing
  growing: {
    name: 'growing',
    outputBias: 'optional',
    defaults: { hidden: 128, rate: 0.5, perCell: true },
    perception: 'sobel',
    activation: 'relu',
    kinked: true,
    act: (z) => Math.max(z, 0),
    actBack: (g, z) => (z > 0 ? g : 0),
    output: (z) => z,
    update: (x, m, y) => x + m * y,
    updateDx: (g) => g,
    updateDz: (g, m) => m * g,
    alive: 'neighbourhood',
    aliveThreshold: ALIVE_THRESHOLD,
    init: (w, hidden, seed) => {
      const limit = Math.sqrt(6 / (PERCEPTION + hidden));
      for (let i = 0; i < w.w0.length; i++) {
        const k = cellKey(seed, 0, STREAM_BASE + 1, 0, i);
        w.w0[i] = limit * (2 * ((draw24(k, 0) + 0.5) / 16777216) - 1);
      }
    },
    glsl: 'rules/growing.glsl',
    passes: { bwOutReadsParams: false, storesAlive: true },
    start: 'seed',
    distillFormat: true,
  },
};

/** The rule names, in the registry's order. */
export const RULE_NAMES: readonly Rule[] = Object.keys(RULES) as Rule[];

/** Rules registered by tests (registerTestRule), by name; never in RULES or RULE_NAMES. */
const testRules = new Map<string, RuleSpec>();

const builtIn = (v: string): v is Rule => Object.prototype.hasOwnProperty.call(RULES, v);

/** Whether `v` names a rule of the registry (or one a test registered). */
export function isRule(v: unknown): v is Rule {
  return typeof v === 'string' && (builtIn(v) || testRules.has(v));
}

/**
 * The registry entry of `rule`: RULES[rule], or the spec a test registered under that name. An
 * unknown name is a `bad-argument` error.
 */
export function ruleSpec(rule: Rule): RuleSpec {
  const s = builtIn(rule) ? RULES[rule] : testRules.get(rule);
  if (!s) throw new NcaGlError('bad-argument', `unknown rule ${describe(rule)}: use ${RULE_NAMES.map((r) => `'${r}'`).join(' or ')}`);
  return s;
}

/**
 * What is wrong with `spec` as a registry entry (empty when nothing): fields of the wrong kind, and
 * needs the generic passes cannot meet (train/bw_out.frag needs the stored mask for the
 * `neighbourhood` test, and the MLP for a `self` test it does not get stored).
 */
export function ruleSpecProblems(spec: RuleSpec): string[] {
  const out: string[] = [];
  const s = spec as unknown as Record<string, unknown>;
  if (typeof spec.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(spec.name)) out.push(`name must be lower-case letters, digits and '-', got ${describe(spec.name)}`);
  for (const f of ['act', 'actBack', 'output', 'update', 'updateDx', 'updateDz', 'init'] as const) if (typeof s[f] !== 'function') out.push(`${f} must be a function`);
  if (spec.outputBias !== 'always' && spec.outputBias !== 'optional') out.push(`outputBias must be 'always' or 'optional', got ${describe(spec.outputBias)}`);
  if (!(PERCEPTIONS as readonly string[]).includes(spec.perception)) out.push(`perception must be ${PERCEPTIONS.map((p) => `'${p}'`).join(' or ')}, got ${describe(spec.perception)}`);
  if (!(ALIVE_TESTS as readonly string[]).includes(spec.alive)) out.push(`alive must be ${ALIVE_TESTS.map((a) => `'${a}'`).join(', ')}, got ${describe(spec.alive)}`);
  if (typeof spec.aliveThreshold !== 'number' || !Number.isFinite(spec.aliveThreshold)) out.push(`aliveThreshold must be a finite number, got ${describe(spec.aliveThreshold)}`);
  if (typeof spec.glsl !== 'string' || !/^[\w/.-]+\.glsl$/.test(spec.glsl)) out.push(`glsl must name a .glsl file, got ${describe(spec.glsl)}`);
  const p = spec.passes;
  if (typeof p?.storesAlive !== 'boolean' || typeof p?.bwOutReadsParams !== 'boolean') out.push('passes must hold the booleans storesAlive and bwOutReadsParams');
  else {
    if (spec.alive === 'neighbourhood' && !p.storesAlive) out.push("the 'neighbourhood' alive test needs passes.storesAlive: the backward pass cannot recompute the neighbours' update");
    const next = p.bwOutReadsNext;
    if (next !== undefined && typeof next !== 'boolean') out.push(`passes.bwOutReadsNext must be a boolean when given, got ${describe(next)}`);
    if (next === true && p.bwOutReadsParams) out.push('passes.bwOutReadsParams and passes.bwOutReadsNext are exclusive: the backward pass reads either the MLP or the next state');
    if (spec.alive === 'self' && !p.storesAlive && !p.bwOutReadsParams && next !== true) out.push("a 'self' alive test that is not stored needs passes.bwOutReadsParams or passes.bwOutReadsNext: the backward pass recomputes the update, or reads it from the next state, to find it");
    if (spec.alive === 'self' && !p.storesAlive && next === true && !(spec.aliveThreshold >= 0)) out.push("a 'self' alive test read from the next state needs aliveThreshold ≥ 0: a dead cell's next state is 0 and must read as dead");
  }
  return out;
}

/**
 * TEST SEAM (not for applications): adds `spec` as a rule under `spec.name` for the engine, the
 * trainer and the CPU references until the returned function removes it. Its GLSL file's text is
 * `spec.glslSource` (the file need not be under glsl/). It stays out of RULE_NAMES, so the file
 * formats, presets, CLI and UI do not offer it, and it has no training defaults (give the trainer
 * every regimen option). Refuses a built-in name, an invalid spec (ruleSpecProblems) and a name
 * already registered.
 */
export function registerTestRule(spec: RuleSpec): () => void {
  const problems = ruleSpecProblems(spec);
  if (typeof spec?.glslSource !== 'string' || spec.glslSource === '') problems.push(`glslSource must hold the text of ${describe(spec?.glsl)}`);
  if (problems.length) throw new NcaGlError('bad-argument', `registerTestRule: the rule spec is not usable: ${problems.join('; ')}`);
  if (builtIn(spec.name)) throw new NcaGlError('bad-argument', `registerTestRule: '${spec.name}' is a built-in rule; give the test rule another name`);
  if (testRules.has(spec.name)) throw new NcaGlError('bad-argument', `registerTestRule: a rule '${spec.name}' is already registered; call the function its registration returned first`);
  testRules.set(spec.name, spec);
  return () => {
    if (testRules.get(spec.name) === spec) testRules.delete(spec.name);
  };
}

/**
 * The GLSL sources that are not under glsl/ for `rule`'s programs (Runtime.program's `extra`): a
 * registered test rule's file, else undefined.
 */
export function ruleGlslSources(rule: Rule): Record<string, string> | undefined {
  const s = ruleSpec(rule);
  return s.glslSource === undefined ? undefined : { [s.glsl]: s.glslSource };
}

/** `v` as a GLSL float literal (always with a point or exponent): 0.1 → "0.1", 1 → "1.0". */
function glslFloat(v: number): string {
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/**
 * The alive pass's switches (engine/alive.frag): ALIVE_<TEST>, 1 for the rule's alive test and 0
 * for the others (GLSL ES has no undefined-is-zero in `#if`), and ALIVE_THRESHOLD (a float literal).
 */
export function aliveGlslDefines(rule: Rule): Defines {
  const s = ruleSpec(rule);
  const d: Defines = {};
  for (const a of ALIVE_TESTS) d[`ALIVE_${a.toUpperCase()}`] = a === s.alive;
  d.ALIVE_THRESHOLD = glslFloat(s.aliveThreshold);
  return d;
}

/**
 * The rule's compile-time GLSL switches: PERCEIVE_<perception>, 1 for the rule's stencils and 0
 * for the others, the alive pass's (aliveGlslDefines), ALIVE_STORED, BW_OUT_MLP and BW_OUT_NEXT
 * (RuleSpec.passes: what train/bw_out.frag reads), and RULE_GLSL, the rule's GLSL file
 * (`#include RULE_GLSL`).
 */
export function ruleGlslDefines(rule: Rule): Defines {
  const s = ruleSpec(rule);
  const d: Defines = {};
  for (const p of PERCEPTIONS) d[`PERCEIVE_${p.toUpperCase()}`] = p === s.perception;
  Object.assign(d, aliveGlslDefines(rule));
  d.ALIVE_STORED = s.passes.storesAlive;
  d.BW_OUT_MLP = s.passes.bwOutReadsParams;
  d.BW_OUT_NEXT = s.passes.bwOutReadsNext === true;
  d.RULE_GLSL = s.glsl;
  return d;
}

/** The rules whose output bias is optional, for messages: "growing". */
export function optionalBiasRules(): string {
  return RULE_NAMES.filter((r) => RULES[r].outputBias === 'optional').join(' and ');
}
