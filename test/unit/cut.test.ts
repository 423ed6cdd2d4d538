// cutHalf: the regeneration check's cut (evaluateCut, scripts/evaluate-zoo.mjs), on the CPU.
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/engine/model';
import type { Engine } from '../../src/engine/engine';
import { cutHalf, displayMse, evaluate, evaluateCut, HALVES } from '../../src/train/evaluate';

const W = 5;
const H = 4;
const filled = (batch: number) => Float32Array.from({ length: batch * W * H * CHANNELS }, (_, i) => 1 + (i % 97));
/** Which cells of grid g are all zero. */
const zeroCells = (s: Float32Array, g: number) => {
  const out: string[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const at = ((g * H + y) * W + x) * CHANNELS;
    const cell = s.subarray(at, at + CHANNELS);
    if (cell.every((v) => v === 0)) out.push(`${x},${y}`);
    else expect(cell.every((v) => v !== 0)).toBe(true); // never half a cell
  }
  return out;
};

describe('cutHalf', () => {
  it('zeroes all 16 channels of the cells whose centres lie in the half, of one grid only', () => {
    const cases: [string, string[]][] = [
      ['left', ['0,0', '1,0', '0,1', '1,1', '0,2', '1,2', '0,3', '1,3']], // odd width: column 2 survives
      ['right', ['3,0', '4,0', '3,1', '4,1', '3,2', '4,2', '3,3', '4,3']],
      ['top', ['0,0', '1,0', '2,0', '3,0', '4,0', '0,1', '1,1', '2,1', '3,1', '4,1']], // rows 0–1: the image's top
      ['bottom', ['0,2', '1,2', '2,2', '3,2', '4,2', '0,3', '1,3', '2,3', '3,3', '4,3']],
    ];
    for (const [half, want] of cases) {
      const s = filled(3);
      cutHalf(s, W, H, 1, half as (typeof HALVES)[number]);
      expect(zeroCells(s, 1).sort()).toEqual([...want].sort());
      expect(zeroCells(s, 0)).toEqual([]);
      expect(zeroCells(s, 2)).toEqual([]);
    }
  });

  it('a top cut of an image whose top half is empty changes nothing it is scored on; a bottom cut does', () => {
    const target = new Float32Array(W * H * 4);
    for (let y = 2; y < H; y++) for (let x = 0; x < W; x++) target.fill(0.5, (y * W + x) * 4, (y * W + x + 1) * 4);
    const state = new Float32Array(W * H * CHANNELS);
    for (let i = 0; i < W * H; i++) for (let c = 0; c < 4; c++) state[i * CHANNELS + c] = target[i * 4 + c]!;
    const top = state.slice();
    cutHalf(top, W, H, 0, 'top');
    expect(displayMse(top, target, W, H)).toBe(0);
    const bottom = state.slice();
    cutHalf(bottom, W, H, 0, 'bottom');
    expect(displayMse(bottom, target, W, H)).toBeCloseTo(0.125, 12);
  });

  it('refuses an unknown half or a grid outside the state, naming it', () => {
    expect(() => cutHalf(filled(2), W, H, 0, 'middle' as never)).toThrow(/half must be one of left, right, top, bottom, got 'middle'/);
    expect(() => cutHalf(filled(2), W, H, 2, 'left')).toThrow(/grid/);
    expect(() => cutHalf(filled(2), W, H, -1, 'left')).toThrow(/grid/);
  });
});

describe('evaluateCut and evaluate refuse bad options before touching the engine', () => {
  // only the grid size is read before the checks pass, so a bare object stands in for the engine
  const engine = { width: 4, height: 3, batch: 2 } as Engine;
  const target = new Float32Array(4 * 3 * 4);
  it('names the function and the target size it needs', () => {
    expect(() => evaluateCut(engine, { target: new Float32Array(5), start: 'seed', steps: 8 })).toThrow(/^nca-gl: evaluateCut needs a 4×3 RGBA target \(48 values\)/);
    expect(() => evaluate(engine, { target: new Float32Array(5), start: 'seed', steps: 8 })).toThrow(/^nca-gl: evaluate needs a 4×3 RGBA target \(48 values\)/);
  });
  it('refuses bad steps, multiples and halves, naming them', () => {
    expect(() => evaluateCut(engine, { target, start: 'seed', steps: 0 })).toThrow(/steps/);
    expect(() => evaluateCut(engine, { target, start: 'seed', steps: 8, settle: 0 })).toThrow(/settle/);
    expect(() => evaluateCut(engine, { target, start: 'seed', steps: 8, within: 1.5 })).toThrow(/within/);
    expect(() => evaluateCut(engine, { target, start: 'seed', steps: 8, halves: [] })).toThrow(/halves/);
    expect(() => evaluateCut(engine, { target, start: 'seed', steps: 8, halves: ['middle' as never] })).toThrow(/halves/);
  });
});
