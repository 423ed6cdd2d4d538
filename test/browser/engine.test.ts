/**
 * The forward engine on the GPU against the float64 CPU reference (src/engine/reference.ts):
 * both rules, random weights and states with negative and zero values, a non-square grid with
 * live cells on every border, batch 2, 32 steps. Plus masks, determinism, orientation, the
 * failure paths and dispose().
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cellKey, draw24, rateThreshold } from '../../src/engine/hash';
import { resolveRuleConfig, type Rule, type Weights } from '../../src/engine/model';
import * as ref from '../../src/engine/reference';
import { randomState, randomWeights } from '../helpers/random';
import { pageRollout } from './gpu-runs';
import { type Harness, maxAbsDiff, openHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  console.log(`browser tests on: ${h.renderer} (${h.mode})`);
});
afterAll(async () => h?.close());
afterEach(async () => h.assertClean());

const W = 19;
const H = 13;
const B = 2;
const STEPS = 32;
/** Max abs difference allowed between the float32 GPU and the float64 reference after 32 steps. */
const TOL = 1e-4;

/** Runs the engine in the page: returns the state after each of `checkpoints` steps (gpu-runs.ts). */
const gpuRollout = (rule: Rule, hidden: number, w: Weights, s0: Float32Array, checkpoints: number[], extra: object = {}): Promise<Float32Array[]> =>
  pageRollout(h.page, { rule, hidden, width: W, height: H, batch: B, seed: 1234, ...extra }, w, s0, checkpoints);

const SCALES: Record<Rule, Partial<Record<keyof Weights, number>>> = {
  seed: { w0: 0.5, b0: 0.2, w1: 0.5, b1: 0.5 },
  growing: { w0: 0.3, b0: 0.1, w1: 0.04 },
};

describe.each(['seed', 'growing'] as Rule[])('forward step, %s rule', (rule) => {
  const hidden = 32;
  const cfg = resolveRuleConfig({ rule, hidden });
  const w = randomWeights(rule, hidden, 7, SCALES[rule]);
  const s0 = randomState(B, H, W, 11);
  const dims = { batch: B, height: H, width: W };

  it(`matches the CPU reference within ${TOL} after 1 and ${STEPS} steps`, async () => {
    const [gpu1, gpu32] = await gpuRollout(rule, hidden, w, s0, [1, STEPS]);
    const ref1 = ref.rollout(cfg, w, s0, dims, { seed: 1234, iteration: 0, step: 0 }, 1);
    const ref32 = ref.rollout(cfg, w, s0, dims, { seed: 1234, iteration: 0, step: 0 }, STEPS);
    const d1 = maxAbsDiff(gpu1!, ref1);
    const d32 = maxAbsDiff(gpu32!, ref32);
    console.log(`${rule}: max |gpu − ref| after 1 step ${d1.max.toExponential(2)}, after ${STEPS} ${d32.max.toExponential(2)}`);
    expect(d1.max).toBeLessThanOrEqual(TOL);
    expect(d32.max).toBeLessThanOrEqual(TOL);
    // the test data must exercise what it claims: live cells on all four borders, some dead cells,
    // values that changed, negative values
    const alive = (s: ArrayLike<number>, y: number, x: number) => s[(y * W + x) * 16 + 3]! > 0.1;
    const borders = [
      Array.from({ length: W }, (_, x) => [0, x]),
      Array.from({ length: W }, (_, x) => [H - 1, x]),
      Array.from({ length: H }, (_, y) => [y, 0]),
      Array.from({ length: H }, (_, y) => [y, W - 1]),
    ];
    for (const border of borders) expect(border.some(([y, x]) => alive(ref32, y!, x!))).toBe(true);
    expect(Array.from({ length: B * H * W }, (_, i) => ref32[i * 16 + 3]!).some((a) => a === 0)).toBe(true);
    expect(maxAbsDiff(ref32, s0).max).toBeGreaterThan(0.1);
    expect(ref1.some((v) => v < 0)).toBe(true);
  });

  it('draws its stochastic masks bit for bit like the reference', async () => {
    // Weights that make every update the same known value, so the mask can be read off the state.
    const wm = randomWeights(rule, hidden, 1, { w0: 0, b0: 0, w1: 0, b1: 0 });
    if (rule === 'seed') wm.b1!.fill(3); // y = sigmoid(3) everywhere
    else {
      wm.b0.fill(1); // relu(b0) = 1, so dx_c = Σ_j w1[c][j] = 0.25 · hidden / hidden
      wm.w1.fill(0.25 / hidden);
    }
    const flat = new Float32Array(B * H * W * 16).fill(0.5);
    const [gpu] = await gpuRollout(rule, hidden, wm, flat, [1]);
    const t = rateThreshold(cfg.rate);
    let updated = 0;
    for (let b = 0; b < B; b++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let c = 0; c < 16; c++) {
            const fired = draw24(cellKey(1234, 0, 0, b, y * W + x), cfg.perCell ? 0 : c) < t;
            const v = gpu![((b * H + y) * W + x) * 16 + c]!;
            expect(Math.abs(v - 0.5) > 1e-6).toBe(fired);
            if (fired) updated++;
          }
    const frac = updated / (B * H * W * 16);
    expect(Math.abs(frac - cfg.rate)).toBeLessThan(0.05);
  });

  it('gives the same result twice for the same seed, and a different one for another seed', async () => {
    const [a] = await gpuRollout(rule, hidden, w, s0, [8]);
    const [b] = await gpuRollout(rule, hidden, w, s0, [8]);
    expect(Buffer.from(a!.buffer).equals(Buffer.from(b!.buffer))).toBe(true);
    const [c] = await gpuRollout(rule, hidden, w, s0, [8], { seed: 99 });
    expect(maxAbsDiff(a!, c!).max).toBeGreaterThan(1e-3);
  });
});

describe('growing rule with an output bias (Distill)', () => {
  it(`matches the CPU reference within ${TOL} after 1 and ${STEPS} steps, and b1 changes the result`, async () => {
    const hidden = 32;
    const cfg = resolveRuleConfig({ rule: 'growing', hidden, outputBias: true });
    const w = randomWeights('growing', hidden, 7, SCALES.growing);
    // negative, positive and zero biases, large enough to matter over 32 steps
    w.b1 = Float32Array.from({ length: 16 }, (_, c) => (c % 5 === 0 ? 0 : (c % 2 ? 0.03 : -0.02) * (1 + c / 16)));
    const s0 = randomState(B, H, W, 11);
    const dims = { batch: B, height: H, width: W };
    const [gpu1, gpu32] = await gpuRollout('growing', hidden, w, s0, [1, STEPS], { outputBias: true });
    const k = { seed: 1234, iteration: 0, step: 0 };
    const ref1 = ref.rollout(cfg, w, s0, dims, k, 1);
    const ref32 = ref.rollout(cfg, w, s0, dims, k, STEPS);
    expect(maxAbsDiff(gpu1!, ref1).max).toBeLessThanOrEqual(TOL);
    expect(maxAbsDiff(gpu32!, ref32).max).toBeLessThanOrEqual(TOL);
    const noBias = ref.rollout(resolveRuleConfig({ rule: 'growing', hidden }), { w0: w.w0, b0: w.b0, w1: w.w1 }, s0, dims, k, STEPS);
    expect(maxAbsDiff(noBias, ref32).max).toBeGreaterThan(0.05);
  });

  it('rejects b1 without outputBias, and a missing b1 with it, naming the option', async () => {
    const msgs: string[] = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const w = NcaGl.initWeights('growing', 8, 1);
      const out: string[] = [];
      for (const o of [{ weights: { ...w, b1: new Float32Array(16) } }, { weights: w, outputBias: true }, { outputBias: 'yes' }]) {
        try {
          NcaGl.createEngine(T.canvas(8, 8), { rule: 'growing', hidden: 8, width: 8, height: 8, ...o }).dispose();
          out.push('accepted');
        } catch (e) {
          out.push((e as Error).message);
        }
      }
      return out;
    });
    expect(msgs[0]).toMatch(/^nca-gl: unexpected weight tensor\(s\) 'b1'.*unless outputBias: true is set/);
    expect(msgs[1]).toMatch(/^nca-gl: weight 'b1' is missing.*output bias/);
    expect(msgs[2]).toMatch(/^nca-gl: option 'outputBias' must be true or false/);
  });
});

describe('growing rule: life in a dead grid', () => {
  // engine/update.frag skips the MLP for pairs with no alpha above the threshold within 2 cells
  // (alive.frag zeroes them anyway): a blob in grid 0's middle and one on grid 1's left border,
  // output bias on (so a skipped cell's true update is not 0), run until the blobs have grown
  it(`matches the CPU reference within ${TOL} after 1 and ${STEPS} steps while most of the grid is far from life`, async () => {
    const hidden = 32;
    const cfg = resolveRuleConfig({ rule: 'growing', hidden, outputBias: true });
    const w = randomWeights('growing', hidden, 9, { w0: 0.3, b0: 0.1, w1: 0.06 });
    w.b1 = Float32Array.from({ length: 16 }, (_, c) => (c === 3 ? 0.05 : c % 2 ? 0.02 : -0.02));
    const s0 = randomState(B, H, W, 21);
    const centres = [[W / 2, H / 2], [0.5, H / 2]];
    const far = (st: Float32Array) => {
      let n = 0;
      for (let b = 0; b < B; b++)
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            let a = 0;
            for (let dy = -2; dy <= 2; dy++)
              for (let dx = -2; dx <= 2; dx++) {
                const [xx, yy] = [x + dx, y + dy];
                if (xx >= 0 && yy >= 0 && xx < W && yy < H) a = Math.max(a, st[((b * H + yy) * W + xx) * 16 + 3]!);
              }
            if (a <= 0.1) n++;
          }
      return n;
    };
    for (let b = 0; b < B; b++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          if (Math.hypot(x + 0.5 - centres[b]![0]!, y + 0.5 - centres[b]![1]!) > 2.5) s0.fill(0, ((b * H + y) * W + x) * 16, ((b * H + y) * W + x + 1) * 16);
    const dims = { batch: B, height: H, width: W };
    const [gpu1, gpu32] = await gpuRollout('growing', hidden, w, s0, [1, STEPS], { outputBias: true });
    const k = { seed: 1234, iteration: 0, step: 0 };
    const ref1 = ref.rollout(cfg, w, s0, dims, k, 1);
    const ref32 = ref.rollout(cfg, w, s0, dims, k, STEPS);
    const [d1, d32] = [maxAbsDiff(gpu1!, ref1).max, maxAbsDiff(gpu32!, ref32).max];
    const alive = (st: Float32Array) => Array.from({ length: B * H * W }, (_, i) => st[i * 16 + 3]! > 0.1).filter(Boolean).length;
    console.log(`life in a dead grid: max |gpu − ref| ${d1.toExponential(2)} after 1 step, ${d32.toExponential(2)} after ${STEPS}; cells far from life ${far(s0)} → ${far(ref32)} of ${B * H * W}, alive ${alive(s0)} → ${alive(ref32)}`);
    expect(d1).toBeLessThanOrEqual(TOL);
    expect(d32).toBeLessThanOrEqual(TOL);
    // the data exercises the skip: most cells start far from life, and the blobs grew into cells that were
    expect(far(s0)).toBeGreaterThan((B * H * W) / 2);
    expect(alive(ref32)).toBeGreaterThan(alive(s0) + 10);
  });
});

describe('hidden widths', () => {
  it.each([16, 64, 256])('hidden %i matches the reference (growing, 4 steps)', async (hidden) => {
    const cfg = resolveRuleConfig({ rule: 'growing', hidden });
    const w = randomWeights('growing', hidden, 3, { w0: 0.3, b0: 0.1, w1: 0.02 });
    const s0 = randomState(B, H, W, 5);
    const [gpu] = await gpuRollout('growing', hidden, w, s0, [4]);
    const want = ref.rollout(cfg, w, s0, { batch: B, height: H, width: W }, { seed: 1234, iteration: 0, step: 0 }, 4);
    expect(maxAbsDiff(gpu!, want).max).toBeLessThanOrEqual(TOL);
  });
});

describe('orientation', () => {
  it('draws image row 0 at the top of the canvas, column 0 at the left', async () => {
    const px = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const W = 8, H = 6;
      const canvas = T.canvas(W * 4, H * 4);
      const e = NcaGl.createEngine(canvas, { rule: 'seed', width: W, height: H, hidden: 16 });
      const s = new Float32Array(W * H * 16);
      // top-left cell red, bottom-right cell blue, everything opaque black otherwise
      for (let i = 0; i < W * H; i++) s[i * 16 + 3] = 1;
      s[0] = 1;
      s[((H - 1) * W + (W - 1)) * 16 + 2] = 1;
      e.setState(s);
      e.draw();
      const c2 = document.createElement('canvas');
      c2.width = canvas.width; c2.height = canvas.height;
      const ctx = c2.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(canvas, 0, 0);
      const d = ctx.getImageData(0, 0, c2.width, c2.height).data;
      const at = (x: number, y: number) => Array.from(d.slice((y * c2.width + x) * 4, (y * c2.width + x) * 4 + 4));
      const r = { topLeft: at(1, 1), bottomRight: at(c2.width - 2, c2.height - 2), topRight: at(c2.width - 2, 1) };
      e.dispose();
      return r;
    });
    expect(px.topLeft).toEqual([255, 0, 0, 255]);
    expect(px.bottomRight).toEqual([0, 0, 255, 255]);
    expect(px.topRight).toEqual([0, 0, 0, 255]);
  });
});

describe('failure paths', () => {
  it('names a missing EXT_color_buffer_float', async () => {
    const err = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const gl = T.canvas(8, 8).getContext('webgl2');
      const orig = gl.getExtension.bind(gl);
      gl.getExtension = (n: string) => (n === 'EXT_color_buffer_float' ? null : orig(n));
      try {
        NcaGl.createEngine(gl, { width: 8, height: 8 });
        return null;
      } catch (e: any) {
        return { name: e.name, code: e.code, message: e.message };
      }
    });
    expect(err).not.toBeNull();
    expect(err!.code).toBe('missing-capability');
    expect(err!.message).toMatch(/^nca-gl: /);
    expect(err!.message).toContain('EXT_color_buffer_float');
  });

  it('reports no WebGL2 clearly', async () => {
    const err = await h.page.evaluate(() => {
      const { NcaGl } = window as any;
      const c = document.createElement('canvas');
      c.getContext('2d'); // the canvas now has another kind of context
      try {
        NcaGl.createEngine(c, { width: 8, height: 8 });
        return null;
      } catch (e: any) {
        return { code: e.code, message: e.message };
      }
    });
    expect(err?.code).toBe('no-webgl2');
    expect(err?.message).toMatch(/^nca-gl: .*WebGL2/);
  });

  it('shows the numbered source line of a shader compile error', async () => {
    const err = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const rt = new NcaGl.gl.Runtime(T.canvas(8, 8));
      const bad = ['// a broken pass', 'out vec4 color;', 'void main() {', '  color = vec4(undefinedThing);', '}'].join('\n');
      try {
        rt.program('test/broken.frag', {}, { 'test/broken.frag': bad });
        return null;
      } catch (e: any) {
        return { code: e.code, message: e.message };
      } finally {
        rt.dispose();
      }
    });
    expect(err?.code).toBe('shader-compile');
    expect(err!.message).toMatch(/^nca-gl: shader compile error in pass 'test\/broken'/);
    expect(err!.message).toContain('glsl/test/broken.frag line 4');
    expect(err!.message).toMatch(/>\s+4 \|\s+color = vec4\(undefinedThing\);/);
    expect(err!.message).toContain('undefinedThing');
  });

  it('refuses a draw that lacks a uniform the pass reads, naming both (WebGL would read 0), and with debug one no pass reads', async () => {
    const r = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const rt = new NcaGl.gl.Runtime(T.canvas(8, 8));
      const src = ['// reads a float, a vec2 array and a sampler', 'uniform float u_gain;', 'uniform vec2 u_pair[2];', 'uniform sampler2D u_tex;', 'out vec4 color;',
        'void main() { color = texture(u_tex, u_pair[1]) * u_gain + vec4(u_pair[0], 0.0, 1.0); }'].join('\n');
      const tex = rt.texture(4, 4, 0, 'rgba32f', 'test target');
      const src2 = rt.texture(4, 4, 0, 'rgba32f', 'test source');
      const p = rt.program('test/uniforms.frag', {}, { 'test/uniforms.frag': src });
      const attempt = (uniforms: Record<string, unknown>) => {
        try {
          rt.run(p, { targets: [{ tex, layer: 0 }], uniforms });
          return null;
        } catch (e: any) {
          return { code: e.code, message: e.message };
        }
      };
      const out = {
        all: attempt({ u_gain: 2, u_pair: [0, 0, 0.5, 0.5], u_tex: src2, u_unused: 3 }),
        noGain: attempt({ u_pair: [0, 0, 0.5, 0.5], u_tex: src2 }),
        noArray: attempt({ u_gain: 2, u_tex: src2 }),
        noSampler: attempt({ u_gain: 2, u_pair: [0, 0, 0.5, 0.5] }),
        undef: attempt({ u_gain: undefined, u_pair: [0, 0, 0.5, 0.5], u_tex: src2 }),
        // with debug, a key no compiled pass reads is refused (a stale name); without, passes may share objects
        debugAll: (() => {
          rt.debug = true;
          const ok = attempt({ u_gain: 2, u_pair: [0, 0, 0.5, 0.5], u_tex: src2 });
          const stale = attempt({ u_gain: 2, u_pair: [0, 0, 0.5, 0.5], u_tex: src2, u_gian: 3 });
          rt.debug = false;
          return { ok, stale };
        })(),
      };
      rt.dispose();
      return out;
    });
    expect(r.all).toBeNull();
    expect(r.debugAll.ok).toBeNull();
    expect(r.debugAll.stale?.code).toBe('bad-argument');
    expect(r.debugAll.stale!.message).toBe("nca-gl: pass 'test/uniforms' was given the uniform 'u_gian', which no pass of this runtime declares: remove it, or fix its name");
    for (const [k, name] of [['noGain', 'u_gain'], ['noArray', 'u_pair'], ['noSampler', 'u_tex'], ['undef', 'u_gain']] as const) {
      expect(r[k]?.code, k).toBe('bad-argument');
      expect(r[k]!.message).toBe(`nca-gl: pass 'test/uniforms' reads the uniform '${name}', which was not given (WebGL would read it as 0): pass it in the draw's uniforms`);
    }
  });

  it('rejects weights of the wrong shape, naming the tensor and the expected size', async () => {
    const errs = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const tryIt = (f: () => void) => {
        try {
          f();
          return null;
        } catch (e: any) {
          return { code: e.code, message: e.message };
        }
      };
      const good = NcaGl.initWeights('growing', 32, 1);
      const e = NcaGl.createEngine(T.canvas(8, 8), { rule: 'growing', hidden: 32, width: 8, height: 8 });
      const r = {
        short: tryIt(() => e.setWeights({ ...good, w0: new Float32Array(10) })),
        missing: tryIt(() => e.setWeights({ w0: good.w0, b0: good.b0 })),
        extra: tryIt(() => e.setWeights({ ...good, b1: new Float32Array(16) })),
        nan: tryIt(() => e.setWeights({ ...good, b0: new Float32Array(32).fill(NaN) })),
        atCreate: tryIt(() => NcaGl.createEngine(T.canvas(8, 8), { rule: 'seed', hidden: 64, width: 8, height: 8, weights: good })),
        state: tryIt(() => e.setState(new Float32Array(5))),
        hidden: tryIt(() => NcaGl.createEngine(T.canvas(8, 8), { hidden: 30, width: 8, height: 8 })),
      };
      e.dispose();
      return r;
    });
    expect(errs.short?.code).toBe('bad-shape');
    expect(errs.short?.message).toContain("weight 'w0' has 10 values, expected 1536 (32 × 48)");
    expect(errs.missing?.message).toContain("weight 'w1' is missing");
    expect(errs.extra?.message).toContain('growing rule has no output bias');
    expect(errs.nan?.message).toContain("weight 'b0' holds a non-finite value");
    expect(errs.atCreate?.code).toBe('bad-shape');
    expect(errs.state?.message).toContain('state must hold 1024 values');
    expect(errs.hidden?.message).toContain("option 'hidden' must be a multiple of 4");
  });
});

describe('dispose', () => {
  it('leaves no GL objects behind', async () => {
    const r = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const canvas = T.canvas(16, 16);
      canvas.getContext('webgl2');
      const before = T.live();
      const made: any[] = [];
      for (const rule of ['seed', 'growing']) {
        const e = NcaGl.createEngine(canvas, { rule, width: 16, height: 12, batch: 3, hidden: 16 });
        e.step(2);
        e.draw();
        e.getState();
        made.push(T.live());
        e.dispose();
      }
      return { before, during: made, after: T.live() };
    });
    expect(r.during[0].Texture).toBeGreaterThan(r.before.Texture);
    expect(r.during[0].Program).toBeGreaterThan(r.before.Program);
    expect(r.during[0].Framebuffer).toBeGreaterThan(r.before.Framebuffer);
    expect(r.after).toEqual(r.before);
  });

  it('throws a clear error when used after dispose', async () => {
    const msg = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const e = NcaGl.createEngine(T.canvas(8, 8), { width: 8, height: 8, hidden: 16 });
      e.dispose();
      try {
        e.step();
        return null;
      } catch (err: any) {
        return err.message;
      }
    });
    expect(msg).toMatch(/^nca-gl: .*disposed/);
  });
});
