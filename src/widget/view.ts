/**
 * Pixel-art geometry shared by the widget and the demo page: where a grid sits in a canvas's drawing
 * buffer, how big that buffer should be, and which cell a pointer is over. Pure functions (no DOM
 * access except where a canvas or element is passed in), so the arithmetic is unit-tested in Node.
 *
 * Coordinate systems:
 *   client    CSS pixels of the page (PointerEvent.clientX/Y), y down
 *   buffer    drawing-buffer pixels of the canvas, y down (what the canvas shows, top row first)
 *   GL        drawing-buffer pixels with y UP (gl.viewport, gl_FragCoord)
 *   cell      grid cells, continuous: cell (x, y) spans [x, x+1) × [y, y+1), row 0 at the TOP of
 *             the image (as engine.erase and the state arrays expect)
 */

/** Where the grid is drawn: a GL viewport (origin bottom-left) and its scale in buffer px per cell. */
export interface Fit {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Buffer pixels per cell (an integer whenever the grid fits at least once). */
  scale: number;
}

/**
 * The largest integer scale at which a gridW × gridH grid fits a bufW × bufH buffer, centred (pixel
 * art: every cell is the same whole number of pixels). When even scale 1 does not fit, the grid is
 * shrunk by a fractional factor instead (cells then cover uneven pixel counts; nothing better exists).
 */
export function fitGrid(bufW: number, bufH: number, gridW: number, gridH: number): Fit {
  const exact = Math.min(bufW / gridW, bufH / gridH);
  const scale = exact >= 1 ? Math.floor(exact) : exact;
  const w = Math.max(1, Math.round(gridW * scale));
  const h = Math.max(1, Math.round(gridH * scale));
  // floor keeps the grid on whole pixels; in GL coordinates y counts from the bottom
  return { x: Math.floor((bufW - w) / 2), y: Math.floor((bufH - h) / 2), w, h, scale };
}

/** The content box of an element in client coordinates (the border excluded; canvases rarely have padding). */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Continuous cell coordinates under a client-space point, or null when the point is outside the grid.
 * `box` is the canvas's content box in client pixels (its CSS size), which usually differs from the
 * drawing buffer (bufW × bufH) by devicePixelRatio.
 */
export function clientToCell(clientX: number, clientY: number, box: Box, bufW: number, bufH: number, fit: Fit, gridW: number, gridH: number): { x: number; y: number } | null {
  if (!(box.width > 0 && box.height > 0)) return null;
  const bx = ((clientX - box.left) * bufW) / box.width;
  const by = ((clientY - box.top) * bufH) / box.height; // y down
  const top = bufH - (fit.y + fit.h); // the viewport's top edge, in y-down buffer pixels
  const x = ((bx - fit.x) / fit.w) * gridW;
  const y = ((by - top) / fit.h) * gridH;
  if (!(x >= 0 && y >= 0 && x < gridW && y < gridH)) return null;
  return { x, y };
}

/** The content box (inside the border) of an element, in client pixels. */
export function contentBox(el: Element): Box {
  const r = el.getBoundingClientRect();
  const e = el as HTMLElement;
  // clientLeft/Top are the border widths; clientWidth/Height the padding box (0 for inline boxes)
  const width = e.clientWidth || r.width;
  const height = e.clientHeight || r.height;
  return { left: r.left + (e.clientLeft || 0), top: r.top + (e.clientTop || 0), width, height };
}

/**
 * Drawing-buffer size for a CSS box: CSS pixels × devicePixelRatio, rounded, at least 1, at most
 * `max` on a side (so a huge box on a 3× screen cannot ask for a gigantic buffer).
 */
export function bufferSize(cssW: number, cssH: number, dpr: number, max = 4096): [number, number] {
  const r = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
  const clamp = (v: number) => Math.min(max, Math.max(1, Math.round(v * r)));
  return [clamp(cssW), clamp(cssH)];
}

/** Premultiplied RGBA in 0..1 from straight 8-bit RGBA. */
export function premultiply8(r: number, g: number, b: number, a: number): [number, number, number, number] {
  const al = a / 255;
  return [(r / 255) * al, (g / 255) * al, (b / 255) * al, al];
}
