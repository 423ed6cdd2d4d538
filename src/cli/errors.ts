/**
 * Exit codes of the nca-gl command and the errors that map to them.
 *
 *   0    success
 *   1    runtime failure: no browser, no WebGL2, the GPU or the browser failed, a file could not be written
 *   2    usage error: unknown or bad flag, missing argument (the message names it; usage follows)
 *   3    bad input file: an image that cannot be read or decoded, a model file the loader rejects or
 *        that is over the resource budget
 *   130  interrupted (Ctrl-C) after saving what there was to save
 */
import { NcaGlError, PREFIX, safeText } from '../errors';

export const EXIT = { ok: 0, failure: 1, usage: 2, input: 3, interrupted: 130 } as const;

/** A command line the tool cannot act on; `command` picks the usage text shown with it. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string | null = null,
  ) {
    super(message.startsWith(PREFIX) ? message : PREFIX + message);
    this.name = 'UsageError';
  }
}

/** An input file (image, model, pool) that cannot be used. */
export class InputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.startsWith(PREFIX) ? message : PREFIX + message, options);
    this.name = 'InputError';
  }
}

/** The browser process died or its page crashed (the train command relaunches it). */
export class BrowserDied extends Error {
  constructor(message: string) {
    super(PREFIX + message);
    this.name = 'BrowserDied';
  }
}

/** Which exit code an error means. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof InputError) return EXIT.input;
  if (e instanceof NcaGlError && (e.code === 'bad-model' || e.code === 'bad-image' || e.code === 'over-budget')) return EXIT.input;
  return EXIT.failure;
}

/** The message of any thrown value, with the 'nca-gl: ' prefix, safe for a terminal (safeText). */
export function messageOf(e: unknown): string {
  const m = safeText(e instanceof Error ? e.message : String(e), true);
  return m.startsWith(PREFIX) ? m : PREFIX + m;
}
