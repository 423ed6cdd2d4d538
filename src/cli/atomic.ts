/**
 * Atomic file writes: the bytes go to `<path>.tmp-<pid>` in the same directory, are flushed to
 * disk (fsync), and the temporary file is renamed over `path`. A crash or kill at any moment leaves
 * either the old file or the new one, whole; at worst a stray `.tmp-<pid>` file beside it.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, type Stats, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NcaGlError } from '../errors';

export interface AtomicHooks {
  /**
   * Test seam: called with the temporary file's path after it is opened, before any byte is
   * written; what it throws is treated as a failed write (the train command's NCA_GL_TEST_FAULTS
   * `fail-write@N` throws an ENOSPC error here).
   */
  beforeWrite?: (tmp: string) => void;
  /** Called after the temporary file is written and flushed, before the rename (tests simulate crashes here). */
  beforeRename?: (tmp: string) => void;
}

export function tempPathFor(path: string, pid = process.pid): string {
  return join(dirname(path), `${basename(path)}.tmp-${pid}`);
}

/** A write that failed: `file` is the path that was to be written; the old file is untouched. */
export class WriteError extends NcaGlError {
  constructor(
    readonly file: string,
    readonly reason: string,
    cause: unknown,
  ) {
    super('io', `could not write ${file}: ${reason}`, { cause });
  }
}

function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const text: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'it is a directory',
    EIO: 'input/output error',
  };
  return err.code ? `${err.code} (${text[err.code] ?? err.message})` : String(err.message ?? e);
}

/**
 * Writes `data` to `path` atomically (see the file comment). On failure the temporary file is
 * removed, `path` is as it was, and a WriteError names `path` and the reason.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, hooks: AtomicHooks = {}): void {
  try {
    writeAtomic(path, data, hooks);
  } catch (e) {
    // file-system errors (they carry a code) are named; anything else (a hook simulating a crash) passes as is
    if (typeof (e as NodeJS.ErrnoException)?.code === 'string') throw new WriteError(path, reasonOf(e), e);
    throw e;
  }
}

function writeAtomic(path: string, data: Uint8Array | string, hooks: AtomicHooks): void {
  const tmp = tempPathFor(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd = openSync(tmp, 'w', 0o644);
  try {
    hooks.beforeWrite?.(tmp);
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

/**
 * Checks, before any work, that `file` can be written the way writeFileAtomic writes it: it is not
 * a directory or another non-regular file (FIFO, device), its folder exists and is a folder, and a
 * file can be created there (tried for real: a probe file is created and removed, which catches a
 * read-only mount or an immutable folder even for root), and an existing `file` can be opened for
 * writing. Returns what is wrong, in words, or null.
 */
export function prepareFolder(file: string): string | null {
  const path = resolve(file);
  const dir = dirname(path);
  const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  let st: Stats | null = null;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return `cannot write ${file}: a part of its folder path ${dir} is a file, not a folder`;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot write ${file}: ${why(e)}`;
  }
  if (st?.isDirectory()) return `cannot write ${file}: it is a directory (name a file inside it)`;
  if (st && !st.isFile()) return `cannot write ${file}: it exists and is not a regular file (a FIFO, a socket or a device)`;
  let dst: Stats;
  try {
    dst = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `cannot write ${file}: its folder ${dir} does not exist (create it first)`;
    if (code === 'ENOTDIR') return `cannot write ${file}: a part of its folder path ${dir} is a file, not a folder`;
    return `cannot write ${file}: its folder ${dir} cannot be read (${why(e)})`;
  }
  if (!dst.isDirectory()) return `cannot write ${file}: ${dir} is not a folder`;
  const probe = join(dir, `.${basename(path)}.probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
    rmSync(probe, { force: true });
  } catch (e) {
    return `cannot write ${file}: its folder ${dir} is not writable (${why(e)})`;
  }
  if (st) {
    try {
      closeSync(openSync(path, 'r+'));
    } catch (e) {
      return `cannot write ${file}: the existing file cannot be replaced (${why(e)})`;
    }
  }
  return null;
}
