import { describe, expect, it } from 'vitest';
import { ARTICLE_AXES, Curriculum, shortenLadder } from '../../src/tasks/curriculum';
import { PRESETS, preset, TASKS } from '../../src/tasks/presets';
import { cutDies, poolDamageCut, poolDamageDisc, samplePool } from '../../src/train/pool';

describe('curriculum', () => {
  const growth = () => new Curriculum(PRESETS.growth.curriculum!);

  it('moves exactly one notch per loss below the threshold, and never on others', () => {
    const c = growth();
    expect(c.state).toEqual({ level: 0, noise: 0, radius: 64, ablation: 0, steps: 2 });
    const losses = [0.5, 0.03, 0.025, 0.0249, 0.1, 0.01, NaN, 0.02];
    const moved = losses.map((l) => c.update(l));
    expect(moved).toEqual([false, false, false, true, false, true, false, true]);
    expect(c.state.level).toBe(3);
    expect(c.state.steps).toBe(5);
    expect(c.state.radius).toBeCloseTo(64 * 0.99 ** 3, 12);
    expect(c.state.noise).toBe(0);
  });

  it('stops at each axis limit', () => {
    const c = growth();
    for (let i = 0; i < 1000; i++) c.update(0);
    // the level counts rises and stops at the top of the ladder (64 × 0.99^k ≤ 6 first at k = 236)
    expect(c.state.level).toBe(236);
    expect(c.levels).toBe(236);
    expect(c.atTop).toBe(true);
    expect(c.update(0)).toBe(false);
    expect(c.state.steps).toBe(16);
    expect(c.state.radius).toBe(6);
    const n = new Curriculum(PRESETS.persistence.curriculum!);
    for (let i = 0; i < 1000; i++) n.update(0);
    expect(n.state.noise).toBe(0.2);
    expect(n.state.noise).toBe(ARTICLE_AXES.noise.limit);
    const h = new Curriculum(PRESETS.healing.curriculum!);
    for (let i = 0; i < 39; i++) h.update(0);
    expect(h.state.ablation).toBeCloseTo(3.9, 10);
    h.update(0);
    h.update(0);
    expect(h.state.ablation).toBe(4);
  });

  it('a pace raises the level along the straight line to the top, whatever the loss; the loss rule still adds', () => {
    const cfg = { ...PRESETS.growth.curriculum!, pace: 100 };
    const c = new Curriculum(cfg);
    const top = c.levels;
    // losses never below the threshold: the level follows floor(top · (i + 1) / pace)
    for (let i = 0; i < 100; i++) {
      c.update(1, i);
      expect(c.state.level).toBe(Math.min(top, Math.floor((top * (i + 1)) / 100)) > i ? i + 1 : Math.floor((top * (i + 1)) / 100));
    }
    // one rise per iteration at most: with a ladder longer than the pace it lags, then catches up
    const slow = new Curriculum({ ...PRESETS.growth.curriculum!, pace: 1000 });
    for (let i = 0; i < 10; i++) slow.update(1, i);
    expect(slow.state.level).toBe(Math.floor((slow.levels * 10) / 1000));
    // below the threshold it rises on every iteration, pace or not
    const fast = new Curriculum({ ...PRESETS.growth.curriculum!, pace: 1000 });
    for (let i = 0; i < 10; i++) fast.update(0, i);
    expect(fast.state.level).toBe(10);
    // no pace: the article's rule alone
    const none = growth();
    for (let i = 0; i < 50; i++) none.update(1, i);
    expect(none.state.level).toBe(0);
  });

  it('shortenLadder: every perturbation axis reaches its limit in the given levels; the rollout keeps whole steps', () => {
    for (const task of ['growth', 'persistence', 'healing'] as const) {
      const cfg = shortenLadder({ ...PRESETS[task].curriculum!, radius: PRESETS[task].curriculum!.radius ? { start: 16, factor: 0.99, limit: 6 } : null }, 20);
      const c = new Curriculum(cfg);
      expect(c.levels).toBe(20);
      for (let i = 0; i < 19; i++) c.update(0, i);
      expect(c.atTop).toBe(false);
      c.update(0, 19);
      expect(c.atTop).toBe(true);
      const h = c.hardest();
      expect(c.perturbation()).toEqual(h);
      expect(c.state.steps).toBe(16);
    }
    // below the rollout's 14 whole-step rises the ladder is the rollout's
    expect(new Curriculum(shortenLadder(PRESETS.healing.curriculum!, 5)).levels).toBe(14);
  });

  it('follows a scripted loss sequence to the specified state, step by step', () => {
    const c = new Curriculum({ threshold: 0.1, noise: { start: 0.01, step: 0.05, limit: 0.2 }, radius: null, ablation: null, circles: 0, steps: { start: 2, step: 3, limit: 10 } });
    const script: [number, number, number][] = [
      // loss, expected steps after, expected noise after
      [0.2, 2, 0.01],
      [0.05, 5, 0.06],
      [0.05, 8, 0.11],
      [0.11, 8, 0.11],
      [0.0, 10, 0.16],
      [0.0, 10, 0.2],
      [0.0, 10, 0.2],
    ];
    for (const [loss, steps, noise] of script) {
      c.update(loss);
      expect(c.state.steps).toBe(steps);
      expect(c.state.noise).toBeCloseTo(noise, 12);
    }
    expect(c.perturbation()).toEqual({ noise: 0.2, radius: Infinity, circles: 0, ablation: 0 });
    expect(c.hardest()).toEqual({ noise: 0.2, radius: Infinity, circles: 0, ablation: 0 });
  });

  it('saves and restores its state exactly', () => {
    const c = growth();
    for (const l of [0.01, 0.3, 0.02]) c.update(l);
    const r = c.toRecord();
    const d = new Curriculum(PRESETS.growth.curriculum!, Curriculum.stateFromRecord(r));
    expect(d.state).toEqual(c.state);
    c.update(0);
    d.update(0);
    expect(d.state).toEqual(c.state);
    expect(Curriculum.stateFromRecord(new Curriculum(PRESETS.persistence.curriculum!).toRecord()).radius).toBe(Infinity);
  });

  it('rejects bad configurations with clear errors', () => {
    const bad = { ...PRESETS.growth.curriculum!, steps: { start: 2, limit: 16 } };
    expect(() => new Curriculum(bad as never)).toThrow(/nca-gl: curriculum axis 'steps' needs exactly one of 'step' and 'factor'/);
    expect(() => new Curriculum({ ...PRESETS.growth.curriculum!, threshold: -1 })).toThrow(/threshold/);
  });
});

describe('presets', () => {
  it('cover the five tasks with the regimens of the articles', () => {
    expect(TASKS).toEqual(['persistence', 'growth', 'healing', 'growing', 'regenerating']);
    expect(PRESETS.persistence.curriculum!.noise).not.toBeNull();
    expect(PRESETS.growth.curriculum!.radius).not.toBeNull();
    expect(PRESETS.healing.curriculum!.ablation).not.toBeNull();
    for (const t of ['persistence', 'growth', 'healing'] as const) {
      const p = PRESETS[t];
      expect([p.rule, p.width, p.hidden, p.batch, p.loss, p.lossSteps, p.lr, p.weightDecay]).toEqual(['seed', 64, 64, 1, 'l1l2', 8, 3e-4, 1e-6]);
      expect(p.curriculum!.threshold).toBe(0.025);
    }
    expect(PRESETS.regenerating).toMatchObject({ rule: 'growing', width: 72, batch: 8, pool: 1024, damage: 3, steps: [64, 96], normalizeGrads: true });
    expect(PRESETS.growing.pool).toBe(0);
  });

  it('hands out copies and names the tasks on a typo', () => {
    const p = preset('growth');
    p.hidden = 8;
    expect(PRESETS.growth.hidden).toBe(64);
    expect(() => preset('grwoth')).toThrow(/unknown task "grwoth": use one of persistence, growth, healing, growing, regenerating/);
  });
});

describe('pool sampling', () => {
  it('draws distinct indices, reproducibly, covering the pool', () => {
    const seen = new Set<number>();
    for (let it = 0; it < 200; it++) {
      const s = samplePool(64, 8, 3, it);
      expect(new Set(s).size).toBe(8);
      for (const v of s) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(64);
        seen.add(v);
      }
      expect(samplePool(64, 8, 3, it)).toEqual(s);
    }
    expect(seen.size).toBe(64);
    expect(samplePool(64, 8, 4, 0)).not.toEqual(samplePool(64, 8, 3, 0));
    expect(samplePool(8, 8, 1, 0).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("damages like Distill: a disc centred in the grid's middle half, radius 0.1–0.4 of half the grid, inside the grid", () => {
    // Distill's make_circle_masks: centre uniform in ±0.5 of a grid spanning ±1, r uniform in 0.1–0.4
    for (const [W, H] of [[48, 48], [72, 40], [12, 12], [9, 7]] as const) {
      const xs = new Set<number>(), ys = new Set<number>();
      let rMin = Infinity, rMax = 0;
      for (let it = 0; it < 4000; it++) {
        const d = poolDamageDisc(5, it, it % 4, W, H);
        expect(d).toEqual(poolDamageDisc(5, it, it % 4, W, H));
        expect(d.x).toBeGreaterThanOrEqual(Math.floor(W / 4));
        expect(d.x).toBeLessThan(Math.floor(W / 4) + Math.floor(W / 2));
        expect(d.y).toBeGreaterThanOrEqual(Math.floor(H / 4));
        expect(d.y).toBeLessThan(Math.floor(H / 4) + Math.floor(H / 2));
        // the disc (cells closer than r) never reaches the border: the damage falls on the creature
        expect(d.x - d.r).toBeGreaterThan(-1);
        expect(d.x + d.r).toBeLessThan(W);
        expect(d.y - d.r).toBeGreaterThan(-1);
        expect(d.y + d.r).toBeLessThan(H);
        xs.add(d.x);
        ys.add(d.y);
        rMin = Math.min(rMin, d.r);
        rMax = Math.max(rMax, d.r);
      }
      // every centre of the middle half is drawn, and the radii span the range
      expect(xs.size).toBe(Math.floor(W / 2));
      expect(ys.size).toBe(Math.floor(H / 2));
      const half = Math.min(W, H) / 2;
      expect(rMin).toBeGreaterThanOrEqual(Math.fround(0.1 * half) - 1e-6);
      expect(rMin).toBeLessThan(0.11 * half);
      expect(rMax).toBeLessThan(0.4 * half);
      expect(rMax).toBeGreaterThan(0.39 * half);
    }
    // grids differ within an iteration, and seeds differ
    expect(poolDamageDisc(5, 0, 1, 48, 48)).not.toEqual(poolDamageDisc(5, 0, 2, 48, 48));
    expect(poolDamageDisc(6, 0, 1, 48, 48)).not.toEqual(poolDamageDisc(5, 0, 1, 48, 48));
  });

  it('cuts a half-plane: a straight line near the centre at any angle, about half the grid gone', () => {
    for (const [W, H] of [[48, 48], [72, 40], [12, 12]] as const) {
      const quadrants = new Set<string>();
      let least = 1, most = 0, sum = 0;
      const N = 2000;
      for (let it = 0; it < N; it++) {
        const c = poolDamageCut(5, it, it % 4, W, H);
        expect(c).toEqual(poolDamageCut(5, it, it % 4, W, H));
        expect(Math.abs(c.dx) + Math.abs(c.dy)).toBeGreaterThan(0);
        expect(Math.abs(c.o)).toBeLessThanOrEqual(Math.floor(Math.min(W, H) / 4));
        quadrants.add(`${Math.sign(c.dx)},${Math.sign(c.dy)}`);
        let dead = 0;
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (cutDies(c, x, y, W, H)) dead++;
        const f = dead / (W * H);
        least = Math.min(least, f);
        most = Math.max(most, f);
        sum += f;
      }
      // the line passes within min(W, H)/8·√2 cells of the centre: never more than about 3/4 of
      // the grid or less than 1/4 goes, half on average
      expect(least).toBeGreaterThan(0.2);
      expect(most).toBeLessThan(0.8);
      expect(sum / N).toBeGreaterThan(0.45);
      expect(sum / N).toBeLessThan(0.55);
      expect(quadrants.size).toBeGreaterThanOrEqual(8);
    }
    // a cut straight down the middle (dx 1, dy 0, o 0) kills exactly the right half
    const W = 10, H = 6;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(cutDies({ dx: 1, dy: 0, o: 0 }, x, y, W, H)).toBe(x >= 5);
  });
});
