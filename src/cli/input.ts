/**
 * Reading an input file (a model, an image, a pool) with its size bounded: stat first (a directory,
 * a FIFO, a device or a socket is refused by name, without opening it), then read at most the
 * limit plus one byte, so a file that grows, or lies about its size, cannot make the read unbounded.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { formatBytes } from '../engine/budget';
import { InputError } from './errors';

function kind(st: Stats): string {
  if (st.isDirectory()) return 'is a directory';
  if (st.isFIFO()) return 'is a FIFO (named pipe), not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/** The file's bytes; an InputError (exit 3) naming `what` and `path` for anything but a regular file of at most `maxBytes`. */
export function readInputFile(path: string, what: string, maxBytes: number): Buffer {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'ENOTDIR' ? 'a part of the path is not a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new InputError(`cannot read ${what} '${path}': ${why}`);
  }
  if (!st.isFile()) throw new InputError(`cannot read ${what} '${path}': it ${kind(st)}`);
  if (st.size > maxBytes) throw new InputError(`${what} '${path}' is too large (${formatBytes(st.size)}, limit ${formatBytes(maxBytes)})`);
  let fd: number;
  try {
    // O_NONBLOCK: should the file have been swapped for a FIFO since the stat, opening does not hang
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError(`cannot read ${what} '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const st2 = fstatSync(fd);
    if (!st2.isFile()) throw new InputError(`cannot read ${what} '${path}': it ${kind(st2)}`);
    let buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st2.size + 1, 64 * 1024)));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        // the file grew since the stat: read on, never past the limit
        if (n > maxBytes) throw new InputError(`${what} '${path}' is too large (it grew past the limit of ${formatBytes(maxBytes)} while being read)`);
        const bigger = Buffer.alloc(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(bigger);
        buf = bigger;
      }
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) return buf.subarray(0, n);
      n += r;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${what} '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}
