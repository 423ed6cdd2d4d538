#!/usr/bin/env node
// Ranks training snapshots by their margin over issue 15's quality lines, from the JSON that
// `scripts/evaluate-zoo.mjs --json` prints (train-zoo.sh's `chunked` uses it to choose a snapshot).
// A snapshot's margin is its smallest lead, in dB, over its task's lines: PSNR from the hardest start
// (Distill's tasks: the seed) at T, 10·T and 50·T, and for regenerating models the half-cut check
// too (after 2·T, against 3 dB below the PSNR before the cut). A snapshot that clears every line has
// a margin ≥ 0; ranking by T alone would pick one that looks right at T and fades at 50·T.
//   node scripts/rank-snapshots.mjs scores.json [--top N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Issue 15's lines: dB at T, 10·T and 50·T. */
export const LINES = {
  growth: [26, 24, 22],
  persistence: [28, 26, 24],
  healing: [26, 24, 22],
  growing: [32, 30, 28],
  regenerating: [30, 28, 26],
};

/** The smallest lead of one evaluate-zoo --json entry over its task's lines (null: no lines for its task). */
export function margin(entry) {
  const lines = LINES[entry.task];
  const m = entry.hardest ?? entry.own;
  if (!lines || !m) return null;
  const leads = [m.psnrT - lines[0], m.psnr10T - lines[1], m.psnr50T - lines[2]];
  if (entry.task === 'regenerating' && entry.cut) leads.push(entry.cut.after - (entry.cut.before - 3));
  return Math.min(...leads);
}

/** Entries sorted by margin, best first (entries without lines last, in their order). */
export function rank(entries) {
  const scored = entries.map((e, i) => ({ e, i, m: margin(e) }));
  scored.sort((a, b) => (a.m === null) - (b.m === null) || (b.m ?? 0) - (a.m ?? 0) || a.i - b.i);
  return scored.map(({ e, m }) => ({ ...e, margin: m }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let opts;
  try {
    opts = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
  } catch (e) {
    console.error(`rank-snapshots: ${e.message}`);
    process.exit(2);
  }
  const [file] = opts.positionals;
  if (!file) {
    console.error('Usage: node scripts/rank-snapshots.mjs scores.json [--top N]   (the output of evaluate-zoo.mjs --json)');
    process.exit(2);
  }
  const top = Number(opts.values.top ?? 5);
  const f = (x) => (typeof x === 'number' ? x.toFixed(2) : '–');
  for (const x of rank(JSON.parse(readFileSync(file, 'utf8'))).slice(0, top)) {
    const m = x.hardest ?? x.own ?? {};
    const cut = x.task === 'regenerating' && x.cut ? `, cut ${f(x.cut.before)} → ${f(x.cut.after)}` : '';
    console.log(`${x.file}: margin ${f(x.margin)} dB; ${f(m.psnrT)} at T, ${f(m.psnr10T)} at 10·T, ${f(m.psnr50T)} at 50·T${cut}`);
  }
}
