// The rule registry (src/engine/rules.ts): one entry per rule, and the defaults the rest of the
// library resolves are the registry's.
import { describe, expect, it, vi } from 'vitest';
import { assemble } from '../../src/gl/program';
import { defaultRuleConfig, hasOutputBias, resolveRuleConfig, weightShapes } from '../../src/engine/model';
import { isRule, perceptionStencil, registerTestRule, RULE_NAMES, RULES, ruleGlslDefines, ruleGlslSources, ruleSpec, ruleSpecProblems, type Rule, type RuleSpec } from '../../src/engine/rules';
import { resolveTrainerOptions } from '../../src/train/options';
import { TRAINING_DEFAULTS, trainingDefaults } from '../../src/tasks/training-defaults';
import { PRESETS, TASKS } from '../../src/tasks/presets';
// the test-only third rule (test/fixtures/rules/): one registry entry and one GLSL file
import { residualRule } from '../fixtures/rules/residual.mjs';

vi.mock('virtual:glsl', () => ({ default: {} }));

const target = new Float32Array(8 * 8 * 4);

describe('rule registry', () => {
  it('has one entry per rule, keyed by its own name', () => {
    expect([...RULE_NAMES].sort()).toEqual(['growing', 'seed']);
    for (const r of RULE_NAMES) {
      expect(RULES[r].name).toBe(r);
      expect(TRAINING_DEFAULTS[r]).toBeDefined();
      expect(isRule(r)).toBe(true);
    }
    expect(isRule('glider')).toBe(false);
    expect(isRule('toString')).toBe(false);
    expect(isRule(undefined)).toBe(false);
  });

  it('gives the rule configuration defaults that resolveRuleConfig resolves', () => {
    for (const r of RULE_NAMES) {
      const d = RULES[r].defaults;
      expect(defaultRuleConfig(r)).toEqual({ rule: r, ...d });
      expect(resolveRuleConfig({ rule: r })).toEqual({ rule: r, hidden: d.hidden, rate: d.rate, perCell: d.perCell });
    }
    // the library's default rule is Distill's
    expect(resolveRuleConfig({}).rule).toBe('growing');
  });

  it('gives the training defaults that resolveTrainerOptions and the task presets resolve', () => {
    for (const r of RULE_NAMES) {
      const t = TRAINING_DEFAULTS[r];
      const o = resolveTrainerOptions({ rule: r, width: 8, height: 8, target });
      expect({ batch: o.batch, steps: o.steps, lossSteps: o.lossSteps, loss: o.loss, weightDecay: o.weightDecay, normalizeGrads: o.normalizeGrads, lr: o.lr }).toEqual(t);
      expect(o.rule.hidden).toBe(RULES[r].defaults.hidden);
    }
    const byRule = new Map<Rule, number>();
    for (const task of TASKS) {
      const p = PRESETS[task];
      byRule.set(p.rule, (byRule.get(p.rule) ?? 0) + 1);
      const t = TRAINING_DEFAULTS[p.rule];
      expect({ batch: p.batch, steps: p.steps, lossSteps: p.lossSteps, loss: p.loss, weightDecay: p.weightDecay, normalizeGrads: p.normalizeGrads, lr: p.lr }).toEqual(t);
      expect(p.hidden).toBe(RULES[p.rule].defaults.hidden);
    }
    // the five tasks: three article ones on the seed rule, Distill's two on the growing rule
    expect(Object.fromEntries(byRule)).toEqual({ seed: 3, growing: 2 });
  });

  it('hands out copies of the training defaults', () => {
    const a = trainingDefaults('growing');
    (a.lr as { values: number[] }).values[0] = 1;
    a.steps[0] = 1;
    expect(TRAINING_DEFAULTS.growing.lr).toEqual({ boundaries: [2000], values: [2e-3, 2e-4] });
    expect(TRAINING_DEFAULTS.growing.steps).toEqual([64, 96]);
    const o = resolveTrainerOptions({ rule: 'growing', width: 8, height: 8, target });
    expect(o.lr).not.toBe(TRAINING_DEFAULTS.growing.lr);
  });

  it('decides the output bias: always part of seed, optional for growing', () => {
    expect(RULES.seed.outputBias).toBe('always');
    expect(RULES.growing.outputBias).toBe('optional');
    for (const r of RULE_NAMES) {
      const always = RULES[r].outputBias === 'always';
      expect(hasOutputBias({ rule: r })).toBe(always);
      expect(hasOutputBias({ rule: r, outputBias: true })).toBe(true);
      expect(weightShapes(r, 8).map((s) => s.name)).toEqual(always ? ['w0', 'b0', 'w1', 'b1'] : ['w0', 'b0', 'w1']);
      expect(resolveRuleConfig({ rule: r, outputBias: true }).outputBias).toBe(always ? undefined : true);
    }
  });

  it("has update partials and activation backward that match finite differences of the rule's forward (the test rule's too)", () => {
    const h = 1e-6;
    const zs = [-2.5, -0.7, -0.1, 0.3, 1.2, 4];
    const specs: RuleSpec[] = [...RULE_NAMES.map((r) => RULES[r]), residualRule('')];
    expect(specs.map((s) => s.name)).toEqual([...RULE_NAMES, 'residual']);
    for (const s of specs) {
      const r = s.name;
      for (const z of zs) {
        const fd = (s.act(z + h) - s.act(z - h)) / (2 * h);
        expect(s.actBack(1, z), `${r}: actBack at ${z}`).toBeCloseTo(fd, 6);
        expect(s.actBack(-3, z), `${r}: actBack at ${z}`).toBeCloseTo(-3 * fd, 5);
        for (const m of [0, 1]) {
          for (const x of [-0.4, 0, 0.8]) {
            const u = (xx: number, zz: number) => s.update(xx, m, s.output(zz));
            const dx = (u(x + h, z) - u(x - h, z)) / (2 * h);
            const dz = (u(x, z + h) - u(x, z - h)) / (2 * h);
            expect(s.updateDx(1, m), `${r}: updateDx at m ${m}`).toBeCloseTo(dx, 6);
            expect(s.updateDz(1, m, s.output(z)), `${r}: updateDz at m ${m}, z ${z}`).toBeCloseTo(dz, 6);
            expect(s.updateDx(2.5, m)).toBeCloseTo(2.5 * dx, 5);
            expect(s.updateDz(2.5, m, s.output(z))).toBeCloseTo(2.5 * dz, 5);
          }
        }
      }
    }
    // relu's kink: no slope at or below 0, and the pattern test records its sign
    expect(RULES.growing.actBack(1, 0)).toBe(0);
    expect(RULES.growing.kinked).toBe(true);
    expect(RULES.seed.kinked).toBe(false);
  });

  it('has perception stencils with the documented sums and orientation', () => {
    const sum = (k: 'moore' | 'sobel', g: number) => {
      let t = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) t += perceptionStencil(k, g, dx, dy);
      return t;
    };
    for (const k of ['moore', 'sobel'] as const) {
      expect(sum(k, 0)).toBe(1);
      expect(perceptionStencil(k, 0, 0, 0)).toBe(1);
    }
    expect(sum('moore', 1)).toBe(1); // the mean of the 8 neighbours
    expect(perceptionStencil('moore', 1, 0, 0)).toBe(0);
    expect(sum('moore', 2)).toBe(0);
    expect(perceptionStencil('moore', 2, 1, 1)).toBe(2); // sobel_x + sobel_y, dy down
    expect(sum('sobel', 1)).toBe(0);
    expect(perceptionStencil('sobel', 1, 1, 0)).toBe(0.25); // sobel_x / 8: right minus left
    expect(perceptionStencil('sobel', 2, 0, 1)).toBe(0.25); // sobel_y / 8: row below minus row above
    expect(perceptionStencil('sobel', 2, 0, -1)).toBe(-0.25);
  });

  it("sets exactly one of the shaders' perception and alive switches, the threshold, the backward's needs and the rule's GLSL file", () => {
    for (const r of RULE_NAMES) {
      const d = ruleGlslDefines(r);
      const on = (prefix: string) => Object.keys(d).filter((k) => k.startsWith(prefix) && d[k] === true);
      expect(on('PERCEIVE_')).toEqual([`PERCEIVE_${RULES[r].perception.toUpperCase()}`]);
      expect(Object.keys(d).filter((k) => k.startsWith('PERCEIVE_')).length).toBeGreaterThanOrEqual(2);
      expect(d.RULE_GLSL).toBe(`rules/${r}.glsl`);
      expect(on('ALIVE_').filter((k) => k !== 'ALIVE_STORED')).toEqual([`ALIVE_${RULES[r].alive.toUpperCase()}`]);
      expect(Object.keys(d).filter((k) => /^ALIVE_(SELF|NEIGHBOURHOOD|NONE)$/.test(k))).toHaveLength(3);
      expect(d.ALIVE_STORED).toBe(RULES[r].passes.storesAlive);
      expect(d.BW_OUT_MLP).toBe(RULES[r].passes.bwOutReadsParams);
      expect(d.BW_OUT_NEXT).toBe(RULES[r].passes.bwOutReadsNext === true);
      // a float literal the shaders compare alpha with, the same number the CPU reference uses
      expect(d.ALIVE_THRESHOLD).toBe('0.1');
      expect(Number(d.ALIVE_THRESHOLD)).toBe(RULES[r].aliveThreshold);
    }
  });

  it('leaves the numbers TS owns and the rule names out of the shaders', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../../glsl/', import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(glsl|frag)$/.test(f));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const code = readFileSync(new URL(f, dir), 'utf8')
        .split('\n')
        .map((l) => l.replace(/\/\/.*$/, ''))
        .join('\n');
      expect(code, f).not.toMatch(/RULE_SEED|RULE_GROWING|BIAS1/);
      expect(code, f).not.toMatch(/[<>]=?\s*0\.1\b/); // the alive threshold is ALIVE_THRESHOLD
      expect(code, f).not.toMatch(/\b48\b/); // the perception width is PERCEPTION
    }
  });

  it("names a GLSL file that exists and defines the four functions the generic passes call", async () => {
    const { readFileSync } = await import('node:fs');
    for (const r of RULE_NAMES) {
      const text = readFileSync(new URL(`../../glsl/${RULES[r].glsl}`, import.meta.url), 'utf8');
      expect(text).toMatch(/^\/\/ /);
      for (const f of ['vec4 ruleAct(', 'vec4 ruleActBack(', 'vec4 ruleUpdate(', 'void ruleUpdateBack(']) expect(text, `${r}: ${f}`).toContain(f);
      // a rule whose backward reads the next state defines the function bw_out.frag then calls
      expect(text.includes('void ruleUpdateBackNext('), r).toBe(RULES[r].passes.bwOutReadsNext === true);
    }
  });

  it('asks the backward pass only for what it can have: a stored mask for the neighbourhood test, the MLP or the next state for a self test not stored', () => {
    for (const r of RULE_NAMES) {
      const s = RULES[r];
      if (s.alive === 'neighbourhood') expect(s.passes.storesAlive, r).toBe(true);
      if (s.alive === 'self' && !s.passes.storesAlive) expect(s.passes.bwOutReadsParams || s.passes.bwOutReadsNext === true, r).toBe(true);
      if (s.passes.bwOutReadsNext) expect([s.passes.bwOutReadsParams, s.aliveThreshold >= 0], r).toEqual([false, true]);
    }
    // the seed rule's update keeps y = sigmoid(z1) wherever it fires, so its backward reads x_{t+1}
    expect(RULES.seed.passes).toEqual({ bwOutReadsParams: false, bwOutReadsNext: true, storesAlive: false });
    // the generic passes are one file each: no rule names one of its own
    for (const f of ['engine/alive.frag', 'train/bw_out.frag', 'engine/update.frag']) expect(JSON.stringify(RULES)).not.toContain(f);
  });
});

describe('seedState', () => {
  it('is empty but for the centre cell of each grid, whose channels 3..15 are 1 (row 0 at the top)', async () => {
    const { seedState, CHANNELS } = await import('../../src/engine/model');
    const [batch, width, height] = [2, 5, 4];
    const s = seedState(batch, width, height);
    expect(s.length).toBe(batch * width * height * CHANNELS);
    let ones = 0;
    for (let b = 0; b < batch; b++)
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++)
          for (let c = 0; c < CHANNELS; c++) {
            const v = s[((b * height + y) * width + x) * CHANNELS + c];
            const centre = x === 2 && y === 2; // ⌊5/2⌋, ⌊4/2⌋
            expect(v).toBe(centre && c >= 3 ? 1 : 0);
            ones += v!;
          }
    expect(ones).toBe(batch * (CHANNELS - 3));
  });
});

describe('#include RULE_GLSL', () => {
  const files = { 'main.frag': '#include "common/a.glsl"\n#include RULE_GLSL\nvoid main() {}', 'common/a.glsl': 'float a() { return 2.0; }', 'rules/x.glsl': '#include "common/a.glsl"\nfloat f() { return 1.0; }' };

  it('includes the file the define names, once, and does not write that define', () => {
    const a = assemble('main.frag', { RULE_GLSL: 'rules/x.glsl', HIDDEN: 8 }, files);
    expect(a.source).toContain('#define HIDDEN 8');
    expect(a.source).not.toMatch(/#define RULE_GLSL/);
    expect(a.source.match(/float a\(\)/g)).toHaveLength(1);
    const at = a.source.split('\n').findIndex((l) => l.startsWith('float f()'));
    expect(a.lines[at]).toEqual({ file: 'rules/x.glsl', line: 2 });
  });

  it('names the file and the missing define when no define names the rule file', () => {
    expect(() => assemble('main.frag', { HIDDEN: 8 }, files)).toThrow(/^nca-gl: main\.frag includes RULE_GLSL, but no define RULE_GLSL names a GLSL file/);
  });
});

describe('registerTestRule (the test seam for a rule that is not shipped)', () => {
  const glsl = 'vec4 ruleAct(vec4 z) { return z; }';

  it("adds the rule for ruleSpec, isRule and the shaders' defines and sources, and removes it again", () => {
    const spec = residualRule(glsl);
    expect(isRule('residual')).toBe(false);
    expect(() => ruleSpec('residual' as Rule)).toThrow(/^nca-gl: unknown rule "residual": use 'seed' or 'growing'/);
    const remove = registerTestRule(spec);
    try {
      expect(isRule('residual')).toBe(true);
      expect(ruleSpec('residual' as Rule)).toBe(spec);
      expect(RULE_NAMES).not.toContain('residual');
      expect(Object.keys(RULES)).not.toContain('residual');
      const d = ruleGlslDefines('residual' as Rule);
      expect(d).toMatchObject({ RULE_GLSL: 'rules/residual.glsl', ALIVE_NONE: true, ALIVE_SELF: false, ALIVE_NEIGHBOURHOOD: false, ALIVE_STORED: false, BW_OUT_MLP: true, PERCEIVE_MOORE: true });
      expect(ruleGlslSources('residual' as Rule)).toEqual({ 'rules/residual.glsl': glsl });
      // the shipped rules' files are under glsl/: nothing extra to pass
      for (const r of RULE_NAMES) expect(ruleGlslSources(r)).toBeUndefined();
      // resolved like any rule, with the entry's defaults; training defaults it has none of
      expect(resolveRuleConfig({ rule: 'residual' as Rule })).toEqual({ rule: 'residual', hidden: 16, rate: 0.5, perCell: false });
      expect(weightShapes('residual' as Rule, 8).map((t) => t.name)).toEqual(['w0', 'b0', 'w1', 'b1']);
      expect(() => resolveTrainerOptions({ rule: 'residual' as Rule, width: 8, height: 8, target })).toThrow(/^nca-gl: rule 'residual' has no training defaults \(a rule registered by a test\): give batch, steps/);
      const full = resolveTrainerOptions({ rule: 'residual' as Rule, width: 8, height: 8, target, batch: 2, steps: 4, lossSteps: 1, loss: 'mse', weightDecay: 0, normalizeGrads: false, lr: 1e-3 });
      expect(full.rule.rule).toBe('residual');
      expect(() => registerTestRule(residualRule(glsl))).toThrow(/^nca-gl: registerTestRule: a rule 'residual' is already registered/);
    } finally {
      remove();
    }
    expect(isRule('residual')).toBe(false);
  });

  it('is not shipped: neither src/ nor glsl/ (what the bundles are built from) knows the test rule', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    for (const dir of ['../../src/', '../../glsl/']) {
      const root = new URL(dir, import.meta.url);
      const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|glsl|frag|html)$/.test(f));
      expect(files.length).toBeGreaterThan(20);
      for (const f of files) expect(readFileSync(new URL(f, root), 'utf8'), f).not.toMatch(/residual/i);
    }
  });

  it('refuses a built-in name, a spec without its GLSL text and a spec the generic passes cannot serve, naming the problem', () => {
    expect(() => registerTestRule({ ...RULES.seed, glslSource: glsl })).toThrow(/^nca-gl: registerTestRule: 'seed' is a built-in rule/);
    expect(() => registerTestRule(residualRule(''))).toThrow(/^nca-gl: registerTestRule: the rule spec is not usable: glslSource must hold the text of "rules\/residual\.glsl"/);
    const bad = (o: Partial<RuleSpec>) => () => registerTestRule({ ...residualRule(glsl), ...o } as RuleSpec);
    expect(bad({ alive: 'neighbourhood' })).toThrow(/'neighbourhood' alive test needs passes\.storesAlive/);
    expect(bad({ alive: 'self', passes: { bwOutReadsParams: false, storesAlive: false } })).toThrow(/'self' alive test that is not stored needs passes\.bwOutReadsParams/);
    expect(bad({ alive: 'self', passes: { bwOutReadsParams: true, bwOutReadsNext: true, storesAlive: false } })).toThrow(/bwOutReadsParams and passes\.bwOutReadsNext are exclusive/);
    expect(bad({ alive: 'self', aliveThreshold: -0.5, passes: { bwOutReadsParams: false, bwOutReadsNext: true, storesAlive: false } })).toThrow(/needs aliveThreshold ≥ 0/);
    expect(bad({ passes: { bwOutReadsParams: false, bwOutReadsNext: 'yes', storesAlive: true } })).toThrow(/bwOutReadsNext must be a boolean when given, got "yes"/);
    expect(bad({ alive: 'sometimes' as never })).toThrow(/alive must be 'self', 'neighbourhood', 'none', got "sometimes"/);
    expect(bad({ perception: 'hex' as never })).toThrow(/perception must be 'moore' or 'sobel'/);
    expect(bad({ updateDz: undefined as never })).toThrow(/updateDz must be a function/);
    expect(bad({ glsl: 'rules/residual' })).toThrow(/glsl must name a \.glsl file/);
    expect(bad({ name: 'Residual Rule' as never })).toThrow(/name must be lower-case/);
    expect(isRule('residual')).toBe(false);
    // the shipped entries pass the same checks
    for (const r of RULE_NAMES) expect(ruleSpecProblems(RULES[r]), r).toEqual([]);
  });
});

describe('no rule-name branches outside the registry', () => {
  // A comparison of something named rule with a rule's name, a switch on a rule, a GLSL switch or
  // identifier naming a rule: what differs between rules must come from RuleSpec instead.
  const names = RULE_NAMES.join('|');
  const TS_BRANCHES = [
    new RegExp(`\\brule\\w*(?:\\.\\w+)*\\s*[!=]==?\\s*['"\`](?:${names})['"\`]`, 'i'),
    new RegExp(`['"\`](?:${names})['"\`]\\s*[!=]==?\\s*[\\w.]*rule\\b`, 'i'),
    /\bswitch\s*\([^)]*\brule\w*\s*\)/i,
  ];
  const GLSL_BRANCHES = [new RegExp(`\\bRULE_(?:${names.toUpperCase()})\\b`), new RegExp(`#if(?:def)?\\s+\\w*(?:${names.toUpperCase()})`), /#if\s+RULE_/];
  /** Lines of `code` (comments removed) that branch on a rule's name. */
  const branches = (code: string, res: RegExp[]) =>
    code
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, ''))
      .filter((l) => res.some((re) => re.test(l)));

  it('finds the kinds of branch it looks for', () => {
    const ts = ["if (cfg.rule === 'seed') a();", "const b = o.rule.rule !== 'growing' ? 1 : 2;", "if ('growing' === spec.rule) c();", 'switch (cfg.rule) {'];
    for (const l of ts) expect(branches(l, TS_BRANCHES), l).toEqual([l]);
    const fine = ["if (start === 'seed') a();", "const task = 'growing';", '// cfg.rule === \'seed\' in a comment', 'const s = ruleSpec(cfg.rule);'];
    for (const l of fine) expect(branches(l, TS_BRANCHES), l).toEqual([]);
    for (const l of ['#if RULE_SEED', '#ifdef RULE_GROWING', '#if SEED_RULE']) expect(branches(l, GLSL_BRANCHES), l).toEqual([l]);
    expect(branches('uniform uint u_seed;\n#if ALIVE_SELF', GLSL_BRANCHES)).toEqual([]);
  });

  it('finds none in src/ (outside rules.ts) or glsl/ (outside rules/)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const found: string[] = [];
    let files = 0;
    for (const [dir, ext, res, skip] of [
      ['../../src/', /\.ts$/, TS_BRANCHES, (f: string) => f === 'engine/rules.ts'],
      ['../../glsl/', /\.(glsl|frag|vert)$/, GLSL_BRANCHES, (f: string) => f.startsWith('rules/')],
    ] as const) {
      const root = new URL(dir, import.meta.url);
      for (const f of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
        const rel = f.split('\\').join('/');
        if (!ext.test(rel) || skip(rel)) continue;
        files++;
        for (const l of branches(readFileSync(new URL(rel, root), 'utf8'), [...res])) found.push(`${dir.slice(6)}${rel}: ${l.trim()}`);
      }
    }
    expect(files).toBeGreaterThan(100);
    expect(found).toEqual([]);
  });
});
