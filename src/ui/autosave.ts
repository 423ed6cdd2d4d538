/**
 * The page's half of "never lose work": the training in progress is saved to IndexedDB every few
 * iterations (a complete .nca model file with optimiser state, plus the panel's settings), and a
 * page that finds such a save on load offers to resume it. Everything here fails soft: without
 * IndexedDB (some private modes, some file:// pages) saving is off and says so, nothing throws.
 */
import type { Settings } from './settings';

export interface AutosaveRecord {
  /** The .nca file (TrainingSession.toModel → encodeModel). */
  bytes: Uint8Array;
  settings: Settings;
  iteration: number;
  savedAt: number;
  /** What the target was, for the offer ("lizard", "upload: cat.png"). */
  targetLabel: string;
}

const DB = 'nca-gl-demo';
const STORE = 'autosave';
const KEY = 'current';

function open(): Promise<IDBDatabase | null> {
  return new Promise((resolve) => {
    try {
      if (typeof indexedDB === 'undefined') return resolve(null);
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
      req.onblocked = () => resolve(null);
    } catch {
      resolve(null); // SecurityError: storage is not allowed here
    }
  });
}

async function run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T | null> {
  const db = await open();
  if (!db) return null;
  try {
    return await new Promise<T | null>((resolve) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result ?? null);
      tx.onerror = tx.onabort = () => resolve(null);
    });
  } catch {
    return null;
  } finally {
    db.close();
  }
}

/** Saves (replacing the previous save); resolves false when the browser keeps no storage here. */
export async function saveAutosave(r: AutosaveRecord): Promise<boolean> {
  return (await run('readwrite', (s) => s.put(r, KEY))) !== null;
}

export async function loadAutosave(): Promise<AutosaveRecord | null> {
  const r = await run<AutosaveRecord>('readonly', (s) => s.get(KEY));
  return r && r.bytes instanceof Uint8Array ? r : null;
}

export async function clearAutosave(): Promise<void> {
  await run('readwrite', (s) => s.delete(KEY));
}
