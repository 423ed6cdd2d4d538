/**
 * SVG targets: the browser rasterises them, at a size we choose (a few times the cells they will
 * cover, then area-averaged down), so an SVG needs a known aspect ratio but no intrinsic size.
 *
 * Size rules (as browsers size an <img>): width and height attributes in px or absolute units win;
 * a missing one follows from the viewBox's aspect ratio; with neither, the viewBox size is used.
 * Percentages and font-relative units count as missing. Without a viewBox, one matching the
 * intrinsic size is added so the drawing scales instead of being cropped.
 */
import { NcaGlError } from '../errors';

const SVG_NS = 'http://www.w3.org/2000/svg';
const UNITS: Record<string, number> = { '': 1, px: 1, pt: 4 / 3, pc: 16, in: 96, cm: 96 / 2.54, mm: 96 / 25.4 };

/** A length attribute in CSS px, or null when absent or relative (%, em, auto). */
export function svgLength(v: string | null): number | null {
  if (v === null) return null;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m) return null;
  const unit = UNITS[m[2]!.toLowerCase()];
  const n = Number(m[1]) * (unit ?? NaN);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** The viewBox's [minX, minY, width, height], or null when absent or invalid. */
export function svgViewBox(v: string | null): [number, number, number, number] | null {
  if (v === null) return null;
  const p = v.trim().split(/[\s,]+/).map(Number);
  if (p.length !== 4 || !p.every(Number.isFinite) || !(p[2]! > 0 && p[3]! > 0)) return null;
  return p as [number, number, number, number];
}

/** Intrinsic size in px from the root's attributes (see the rules above), or null. */
export function svgSize(width: string | null, height: string | null, viewBox: string | null): { width: number; height: number } | null {
  const w = svgLength(width);
  const h = svgLength(height);
  const vb = svgViewBox(viewBox);
  if (w !== null && h !== null) return { width: w, height: h };
  if (!vb) return null;
  if (w !== null) return { width: w, height: (w * vb[3]) / vb[2] };
  if (h !== null) return { width: (h * vb[2]) / vb[3], height: h };
  return { width: vb[2], height: vb[3] };
}

export interface ParsedSvg {
  width: number;
  height: number;
  /** The SVG document resized to `w`×`h` px (drawing stretched to fill it), as text. */
  at(w: number, h: number): string;
}

/** Parses SVG text; throws `bad-image` naming `what` when it is not a usable SVG document. */
export function parseSvg(text: string, what: string): ParsedSvg {
  if (typeof DOMParser === 'undefined' || typeof XMLSerializer === 'undefined')
    throw new NcaGlError('bad-image', `cannot read ${what}: SVG images need a page with a document (DOMParser), not a worker or Node`);
  const parse = (t: string) => new DOMParser().parseFromString(t, 'image/svg+xml');
  let doc = parse(text);
  // An <svg> without xmlns parses, but outside the SVG namespace, and would not render.
  if (doc.documentElement.localName === 'svg' && doc.documentElement.namespaceURI !== SVG_NS && !doc.querySelector('parsererror')) {
    doc = parse(text.replace(/<svg\b/, `<svg xmlns="${SVG_NS}"`));
  }
  const err = doc.querySelector('parsererror');
  if (err || doc.documentElement.localName !== 'svg' || doc.documentElement.namespaceURI !== SVG_NS) {
    const detail = err ? `it is not well-formed XML: ${(err.textContent ?? '').trim().split('\n')[0]!.slice(0, 160)}` : 'its root element is not <svg>';
    throw new NcaGlError('bad-image', `could not decode ${what} as an SVG image (${detail}): is it a PNG, JPEG, GIF, WebP or SVG?`);
  }
  const root = doc.documentElement;
  const size = svgSize(root.getAttribute('width'), root.getAttribute('height'), root.getAttribute('viewBox'));
  if (!size)
    throw new NcaGlError(
      'bad-image',
      `${what} is an SVG with no size: it has no viewBox and no width and height in absolute units, so its shape is unknown: add a viewBox="0 0 W H" to its <svg> element`,
    );
  if (!svgViewBox(root.getAttribute('viewBox'))) root.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
  return {
    ...size,
    at(w: number, h: number) {
      root.setAttribute('width', String(w));
      root.setAttribute('height', String(h));
      root.setAttribute('preserveAspectRatio', 'none');
      return new XMLSerializer().serializeToString(doc);
    },
  };
}

/** True when the start of a file looks like SVG text (optionally after a BOM, an XML declaration, comments, a doctype). */
export function looksLikeSvg(head: string): boolean {
  const s = head.replace(/^\uFEFF/, '').trimStart();
  return s.startsWith('<') && /<svg[\s>]/i.test(s);
}
