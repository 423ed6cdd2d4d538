// scripts/rank-snapshots.mjs: train-zoo.sh's choice of snapshot, by the margin over issue 15's lines.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { margin, rank } from '../../scripts/rank-snapshots.mjs';

const fig = (t: number, t10: number, t50: number) => ({ psnrT: t, psnr10T: t10, psnr50T: t50, worstT: t - 1 });

describe('rank-snapshots', () => {
  it('takes the smallest lead over the task lines, from the hardest start (article tasks) or the seed (Distill)', () => {
    // growth lines 26 / 24 / 22: leads 4, 3, −1
    expect(margin({ task: 'growth', own: fig(40, 40, 40), hardest: fig(30, 27, 21) })).toBeCloseTo(-1, 12);
    // growing lines 32 / 30 / 28 measured on `own` (the seed): leads 0.5, 1, 2
    expect(margin({ task: 'growing', own: fig(32.5, 31, 30) })).toBeCloseTo(0.5, 12);
    // regenerating 30 / 28 / 26 and the cut: 24 after against 33 − 3 = 30 → −6
    expect(margin({ task: 'regenerating', own: fig(33, 33, 33), cut: { before: 33, after: 24 } })).toBeCloseTo(-6, 12);
    expect(margin({ task: 'regenerating', own: fig(33, 33, 33), cut: { before: 33, after: 31 } })).toBeCloseTo(1, 12);
    expect(margin({ task: 'unknown', own: fig(33, 33, 33) })).toBeNull();
  });

  it('prefers a snapshot that holds over one that is best at T only, and puts unknown tasks last', () => {
    const fades = { file: 'a', task: 'persistence', hardest: fig(33, 27, 20) }; // −4 at 50·T
    const holds = { file: 'b', task: 'persistence', hardest: fig(29, 27, 25) }; // +1
    const other = { file: 'c', task: 'mystery', own: fig(50, 50, 50) };
    const weak = { file: 'd', task: 'persistence', hardest: fig(27, 26, 24) }; // −1
    expect(rank([other, fades, weak, holds]).map((x: { file: string }) => x.file)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('prints the ranking from a scores file, best first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nca-rank-'));
    const file = join(dir, 'scores.json');
    writeFileSync(file, JSON.stringify([
      { file: 'm-250.nca', task: 'growing', own: fig(25, 20, 10) },
      { file: 'm-500.nca', task: 'growing', own: fig(33, 31, 29) },
    ]));
    const out = execFileSync(process.execPath, ['scripts/rank-snapshots.mjs', file], { encoding: 'utf8' }).trim().split('\n');
    expect(out[0]).toMatch(/^m-500\.nca: margin 1\.00 dB; 33\.00 at T, 31\.00 at 10·T, 29\.00 at 50·T$/);
    expect(out[1]).toMatch(/^m-250\.nca: margin -18\.00 dB/);
  });
});
