import { describe, expect, it } from 'vitest';
import { ARTICLE_AXES, Curriculum } from '../../src/train/curriculum';
import { PRESETS, preset, TASKS } from '../../src/train/presets';
import { samplePool } from '../../src/train/pool';

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
    expect(c.state.level).toBe(1000);
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
});
