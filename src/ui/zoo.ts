/**
 * The model zoo's manifest, zoo/index.json, which the demo page's model picker reads:
 *
 *   { "version": 1, "models": [ { "file": "healing.nca", "label": "…", "task": "healing", "credit": "…" }, … ] }
 *
 * `file` is relative to the manifest (or an absolute URL); `label` is what the picker shows;
 * `task` is one of the library's tasks (or another word: it is shown, not trusted — the model file
 * says what it is); `credit` names who made the model and where its target comes from. A model added
 * to the zoo needs only its file and one line here.
 */
import { NcaGlError } from '../errors';

export interface ZooEntry {
  /** The model's URL, resolved against the manifest's. */
  url: string;
  file: string;
  label: string;
  task: string;
  credit: string;
}

/** The entries of a parsed manifest; `base` is the manifest's URL. Bad entries throw, naming them. */
export function parseZooManifest(json: unknown, base: string): ZooEntry[] {
  const models = (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) throw new NcaGlError('bad-argument', `the zoo manifest ${base} has no "models" list: expected {"version": 1, "models": [{file, label, task, credit}, …]}`);
  return models.map((m, i) => {
    const o = (m ?? {}) as Record<string, unknown>;
    for (const k of ['file', 'label'] as const) {
      if (typeof o[k] !== 'string' || !(o[k] as string).trim()) throw new NcaGlError('bad-argument', `entry ${i} of the zoo manifest ${base} needs a "${k}" string`);
    }
    const file = o.file as string;
    return { url: new URL(file, base).href, file, label: (o.label as string).trim(), task: typeof o.task === 'string' ? o.task : '', credit: typeof o.credit === 'string' ? o.credit : '' };
  });
}

/** Fetches and parses the manifest at `url` (relative to the page). */
export async function loadZooManifest(url: string): Promise<ZooEntry[]> {
  const abs = new URL(url, location.href).href;
  let res: Response;
  try {
    res = await fetch(abs);
  } catch (e) {
    throw new NcaGlError('io', `could not load the zoo manifest ${abs} (${(e as Error).message}); pages opened from file:// cannot load files`, { cause: e });
  }
  if (!res.ok) throw new NcaGlError('io', `could not load the zoo manifest ${abs}: the server answered ${res.status}`);
  return parseZooManifest(await res.json(), abs);
}
