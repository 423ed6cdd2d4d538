/**
 * The zoo's manifest (zoo/index.json, read by the demo page's picker) stays in step with the zoo:
 * every model file has an entry and every entry names a file that decodes, with the task the file
 * records. Also the manifest parser's errors, and the names and rollouts the widget takes from a
 * model file (its accessible name, its still frame under reduced motion).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('virtual:glsl', () => ({ default: {} }));
import { NcaGlError } from '../../src/errors';
import { decodeModel, type ModelFile } from '../../src/io/model-file';
import { parseZooManifest } from '../../src/ui/zoo';
import { modelLabel, modelRollout, modelTask } from '../../src/tasks/start';

const ZOO = resolve(import.meta.dirname, '../../zoo');
const manifest = JSON.parse(readFileSync(join(ZOO, 'index.json'), 'utf8'));

describe('zoo/index.json', () => {
  const entries = parseZooManifest(manifest, 'https://example.org/zoo/index.json');

  it('lists every model of the zoo once, and only files that exist', () => {
    const files = readdirSync(ZOO).filter((f) => f.endsWith('.nca')).sort();
    expect([...entries.map((e) => e.file)].sort(), 'add a line to zoo/index.json for each new zoo/*.nca').toEqual(files);
    expect(new Set(entries.map((e) => e.label)).size).toBe(entries.length);
  });

  it('each entry decodes, with the task its file records, a label and a credit', () => {
    for (const e of entries) {
      const m = decodeModel(new Uint8Array(readFileSync(join(ZOO, e.file))));
      expect(modelTask(m), e.file).toBe(e.task);
      expect(e.label.length).toBeGreaterThan(3);
      expect(e.credit.length).toBeGreaterThan(10);
      expect(e.url).toBe(`https://example.org/zoo/${e.file}`);
    }
  });

  it('rejects a manifest without models or with an entry without a file, naming it', () => {
    expect(() => parseZooManifest({ version: 1 }, 'm.json')).toThrow(NcaGlError);
    expect(() => parseZooManifest({ models: [{ label: 'x' }] }, 'https://a/m.json')).toThrow(/entry 0 .* needs a "file" string/);
  });
});

describe('what the widget takes from a model file', () => {
  const base = (extra: Partial<ModelFile>): ModelFile => ({ rule: { rule: 'seed', hidden: 16, rate: 0.8, perCell: false }, grid: { width: 8, height: 8 }, weights: { w0: new Float32Array(0), b0: new Float32Array(0), w1: new Float32Array(0) }, ...extra });

  it('names the image after the target the CLI recorded, else says what it is', () => {
    expect(modelLabel(base({ resume: { image: 'heart' } }))).toBe('heart');
    expect(modelLabel(base({ training: { task: 'healing' } }))).toBe('A neural cellular automaton (healing model)');
    expect(modelLabel(base({}))).toBe('A neural cellular automaton');
  });

  it('reads the trained rollout length for the still frame (the largest recorded step count)', () => {
    expect(modelRollout(base({ training: { hyperparameters: { steps: 'curriculum 2..16' } } }))).toBe(16);
    expect(modelRollout(base({ training: { hyperparameters: { steps: '64..96' } } }))).toBe(96);
    expect(modelRollout(base({ training: { hyperparameters: { steps: 40 } } }))).toBe(40);
    expect(modelRollout(base({}))).toBe(32);
    expect(modelRollout(base({ training: { hyperparameters: { steps: '0' } } }))).toBe(32);
  });
});
