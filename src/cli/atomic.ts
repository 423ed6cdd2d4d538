/**
 * Atomic file writes: the bytes go to `<path>.tmp-<pid>` in the same directory, are flushed to
 * disk (fsync), and the temporary file is renamed over `path`. A crash or kill at any moment leaves
 * either the old file or the new one, whole; at worst a stray `.tmp-<pid>` file beside it.
 */
import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface AtomicHooks {
  /** Called after the temporary file is written and flushed, before the rename (tests simulate crashes here). */
  beforeRename?: (tmp: string) => void;
}

export function tempPathFor(path: string, pid = process.pid): string {
  return join(dirname(path), `${basename(path)}.tmp-${pid}`);
}

/** Writes `data` to `path` atomically (see the file comment). Throws the fs error on failure. */
export function writeFileAtomic(path: string, data: Uint8Array | string, hooks: AtomicHooks = {}): void {
  const tmp = tempPathFor(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd = openSync(tmp, 'w', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  hooks.beforeRename?.(tmp);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  // make the rename itself durable (best effort: not every platform can fsync a directory)
  try {
    fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* ignore */
  }
}

/** Creates the folder of `file` when missing; an error message when it cannot be written, else null. */
export function prepareFolder(file: string): string | null {
  const dir = dirname(resolve(file));
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return null;
  } catch (e) {
    return `cannot write ${file}: its folder ${dir} cannot be created or written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
}
