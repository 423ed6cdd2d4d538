/**
 * Every error nca-gl throws is an NcaGlError whose message starts with "nca-gl: " and says what
 * went wrong and what to do about it. `code` is a stable machine-readable tag for callers and tests.
 */
export type NcaGlErrorCode =
  | 'no-webgl2'
  | 'missing-capability'
  | 'shader-compile'
  | 'shader-link'
  | 'framebuffer-incomplete'
  | 'gl-error'
  | 'context-lost'
  | 'bad-argument'
  | 'bad-shape'
  | 'bad-model'
  | 'bad-image'
  | 'disposed'
  | 'over-budget'
  | 'io';

export const PREFIX = 'nca-gl: ';

export class NcaGlError extends Error {
  readonly code: NcaGlErrorCode;
  constructor(code: NcaGlErrorCode, message: string, options?: { cause?: unknown }) {
    super(message.startsWith(PREFIX) ? message : PREFIX + message, options);
    this.name = 'NcaGlError';
    this.code = code;
  }
}

/** Throws a `bad-argument` error unless `ok`. */
export function check(ok: unknown, message: string, code: NcaGlErrorCode = 'bad-argument'): asserts ok {
  if (!ok) throw new NcaGlError(code, message);
}

/** Checks that `value` is an integer in [min, max] and names the option when it is not. */
export function checkInt(name: string, value: unknown, min: number, max: number): number {
  check(
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    `option '${name}' must be an integer from ${min} to ${max}, got ${describe(value)}`,
  );
  return value as number;
}

/** Checks that `value` is a finite number in [min, max]. */
export function checkNumber(name: string, value: unknown, min: number, max: number): number {
  check(
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max,
    `option '${name}' must be a number from ${min} to ${max}, got ${describe(value)}`,
  );
  return value as number;
}

// C0/C1 controls, DEL, soft hyphen, bidi marks, embeddings, overrides and isolates, zero-width and line/paragraph separators, BOM, interlinear annotation
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/**
 * Text from a file or a user made safe for a terminal or a log: C0/C1 control characters (except
 * newlines when `keepNewlines`), DEL, and the invisible direction and format characters (bidi
 * overrides and isolates such as U+202E, zero-width marks, U+2028/9, BOM) become `\u{…}` escapes,
 * so a file cannot rewrite the screen or make text read backwards.
 */
export function safeText(s: string, keepNewlines = false): string {
  return s.replace(UNSAFE, (c) => (keepNewlines && c === '\n' ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`));
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return safeText(JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value));
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}
