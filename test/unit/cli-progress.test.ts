/** Progress output of `nca-gl train`: the formats, the terminal bar, and the plain lines for logs. */
import { describe, expect, it } from 'vitest';
import { formatBar, formatDuration, formatLine, formatLoss, formatRate, Progress, type ProgressState } from '../../src/cli/progress';

const st = (iteration: number, over: Partial<ProgressState> = {}): ProgressState => ({ iteration, total: 500, loss: 0.0241234, level: 38, rate: 3.1, ...over });

function sink(isTTY: boolean, columns = 100) {
  const s = { text: '', isTTY, columns, write: (x: string) => void (s.text += x) };
  return s;
}

describe('formats', () => {
  it('durations, losses and rates', () => {
    expect([0, 5.4, 59.6, 65, 3599, 3600, 7380].map(formatDuration)).toEqual(['0s', '5s', '1m00s', '1m05s', '59m59s', '1h00m', '2h03m']);
    expect(formatDuration(NaN)).toBe('--');
    expect(formatDuration(Infinity)).toBe('--');
    expect([0.0241234, 1.5, 0, 3.2e-6, 123456, NaN].map(formatLoss)).toEqual(['0.02412', '1.5', '0', '3.200e-6', '1.235e+5', 'NaN']);
    expect([0, 0.25, 3.14159, 42.4].map(formatRate)).toEqual(['-- it/s', '4.0 s/it', '3.1 it/s', '42 it/s']);
  });

  it('a bar that fits the terminal', () => {
    const line = formatBar(st(250), 100);
    expect(line).toBe('[####################--------------------]  250/500  loss 0.02412  level 38  3.1 it/s  ETA 1m21s');
    expect(formatBar(st(250), 75).length).toBeLessThan(75);
    expect(formatBar(st(250), 75)).toMatch(/^\[#+-+\]  250\/500/);
    // too narrow for a bar: the numbers, cut to the width
    expect(formatBar(st(250), 30)).toBe('250/500  loss 0.02412  level ');
    expect(formatBar(st(0, { rate: 0, level: null }), 100)).toBe('[----------------------------------------]    0/500  loss 0.02412  -- it/s  ETA --');
  });

  it('a plain line', () => {
    expect(formatLine(st(7, { total: 30, level: null, rate: 12.5, loss: 0.5 }))).toBe('iteration  7/30  loss 0.5  13 it/s  ETA 2s');
  });
});

describe('Progress', () => {
  it('redraws one line on a terminal and puts messages above it', () => {
    const s = sink(true);
    const p = new Progress(s);
    p.update(st(1));
    p.update(st(2));
    p.note('warning: something');
    p.info('not on a terminal');
    p.done();
    expect(s.text).toBe(
      formatBar(st(1), 100) + '\r\x1b[K' + formatBar(st(2), 100) + '\r\x1b[K' + 'warning: something\n' + formatBar(st(2), 100) + '\n',
    );
  });

  it('prints a line at most every few seconds without a terminal, and always the last', () => {
    let now = 0;
    const s = sink(false);
    const p = new Progress(s, { seconds: 5, now: () => now });
    for (let i = 1; i <= 500; i++) {
      now = i * 100; // 10 iterations per second
      p.update(st(i));
    }
    const lines = s.text.trim().split('\n');
    expect(lines.length).toBe(11); // iteration 1, then every 50 iterations (5 s), the last included
    expect(lines[0]).toBe(formatLine(st(1)));
    expect(lines.at(-1)).toBe(formatLine(st(500)));
  });

  it('prints every n-th iteration with logEvery (even on a terminal), and nothing with quiet', () => {
    const s = sink(true);
    const p = new Progress(s, { logEvery: 2 });
    for (let i = 1; i <= 6; i++) p.update(st(i, { total: 6 }));
    p.info('checkpoint');
    expect(s.text.split('\n').filter(Boolean)).toEqual([2, 4, 6].map((i) => formatLine(st(i, { total: 6 }))).concat(['checkpoint']));
    const q = sink(true);
    const quiet = new Progress(q, { quiet: true });
    quiet.update(st(1));
    quiet.note('ordinary');
    quiet.note('important', true);
    quiet.done();
    expect(q.text).toBe('important\n');
  });
});
