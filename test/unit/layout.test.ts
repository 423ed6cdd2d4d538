// Atlas placement (src/engine/layout.ts): tile order, the row offset that spreads a small atlas over
// a software renderer's thread squares, and the host packing that must agree with both.
import { describe, expect, it } from 'vitest';
import { atlasSize, engineBytes } from '../../src/engine/budget';
import { atlasTexel, makeAtlas, packCells, spreadRows, unpackCells } from '../../src/engine/layout';
import { trainerBytes } from '../../src/train/budget';
import { MAX_PARTIAL_CHUNKS, partialLayout } from '../../src/train/backward';

/** The longest share of `threads` threads taking squares of `tile` rows in order (what spreadRows minimises). */
function longestShare(rows: number, row0: number, tile: number, threads: number): number {
  const free = new Array<number>(threads).fill(0);
  for (let y = Math.floor(row0 / tile) * tile; y < row0 + rows; y += tile) {
    const n = Math.min(y + tile, row0 + rows) - Math.max(y, row0);
    const k = free.indexOf(Math.min(...free));
    free[k]! += n;
  }
  return Math.max(...free);
}

describe('spreadRows', () => {
  it('splits an atlas of one square into two even halves for two threads', () => {
    expect(spreadRows(64, 64, 2)).toBe(32); // the seed config: rows 32..95 = two squares of 32
    expect(spreadRows(40, 64, 2)).toBe(44); // 20 + 20
    expect(spreadRows(22, 32, 2)).toBe(21); // 11 + 11
  });

  it('moves only atlases of fewer squares than threads (measured: spreading 3 squares over 4 was slower on 2 cores)', () => {
    expect(spreadRows(160, 64, 2)).toBe(0); // 64/64/32 stays
    expect(spreadRows(576, 64, 2)).toBe(0); // the standard config
    expect(spreadRows(100, 64, 4)).toBe(14); // two squares of 50 rows instead of 64 + 36
    expect(spreadRows(40, 64, 8)).toBe(44);
  });

  it('is optimal over every offset when it moves, prefers the smallest offset on ties, and never goes past a square', () => {
    for (const tile of [16, 64]) {
      for (const threads of [2, 3, 4, 8]) {
        for (let rows = 1; rows <= 300; rows += 7) {
          const r0 = spreadRows(rows, tile, threads);
          expect(r0).toBeGreaterThanOrEqual(0);
          expect(r0).toBeLessThan(tile);
          if (Math.ceil(rows / tile) >= threads) {
            expect(r0).toBe(0);
            continue;
          }
          const best = Math.min(...Array.from({ length: tile }, (_, o) => longestShare(rows, o, tile, threads)));
          expect(longestShare(rows, r0, tile, threads), `${rows} rows, tile ${tile}, ${threads} threads`).toBe(best);
          for (let o = 0; o < r0; o++) expect(longestShare(rows, o, tile, threads)).toBeGreaterThan(best);
        }
      }
    }
  });

  it('leaves the atlas at row 0 without squares or without a second thread', () => {
    expect(spreadRows(64, 0, 2)).toBe(0);
    expect(spreadRows(64, 64, 1)).toBe(0);
    expect(spreadRows(128, 64, 2)).toBe(0); // already two full squares
  });
});

describe('makeAtlas with a row offset', () => {
  it('places the stacked batch at row0 in a texture row0 + atlasHeight tall', () => {
    const a = makeAtlas(17, 11, 3, 4096, { order: 'columns', tile: 64, threads: 2 });
    expect(a.tilesX).toBe(1);
    expect(a.tilesY).toBe(3);
    expect(a.atlasHeight).toBe(33);
    expect(a.row0).toBe(spreadRows(33, 64, 2));
    expect(a.row0).toBeGreaterThan(0);
    expect(a.texHeight).toBe(a.row0 + 33);
    expect(atlasTexel(a, 0, 0, 0)).toEqual([0, a.row0]);
    expect(atlasTexel(a, 2, 16, 10)).toEqual([16, a.row0 + 32]);
  });

  it('has no offset by default, and drops it rather than exceed the texture limit', () => {
    const flat = makeAtlas(17, 11, 3, 4096, { order: 'columns' });
    expect(flat.row0).toBe(0);
    expect(flat.texHeight).toBe(33);
    const tight = makeAtlas(8, 8, 5, 40, { order: 'columns', tile: 64, threads: 2 });
    expect(tight.row0).toBe(0);
    expect(tight.texHeight).toBe(40);
  });

  it('packs and unpacks a batch through the offset texture: cells land at their texels, padding stays zero', () => {
    const a = makeAtlas(5, 3, 2, 4096, { order: 'columns', tile: 16, threads: 2 });
    expect(a.row0).toBeGreaterThan(0);
    const host = Float32Array.from({ length: 2 * 3 * 5 * 16 }, (_, i) => i + 1);
    const tex = packCells(a, host);
    expect(tex.length).toBe(4 * a.atlasWidth * a.texHeight * 4);
    // channel 0 of cell (x 4, y 2) of grid 1 is layer 0, texel (4, row0 + 3 + 2)
    const [tx, ty] = atlasTexel(a, 1, 4, 2);
    expect(tex[(ty * a.atlasWidth + tx) * 4]).toBe(host[((1 * 3 + 2) * 5 + 4) * 16]);
    // rows above row0 are untouched
    for (let l = 0; l < 4; l++) {
      for (let i = 0; i < a.row0 * a.atlasWidth * 4; i++) expect(tex[l * a.atlasWidth * a.texHeight * 4 + i]).toBe(0);
    }
    expect(unpackCells(a, tex)).toEqual(host);
  });

  it('budgets count the texture rows, padding included', () => {
    const shape = { width: 32, height: 32, batch: 2, hidden: 64 };
    const place = { order: 'columns' as const, tile: 64, threads: 2 };
    const spread = atlasSize({ ...shape, place }, 4096);
    const flat = atlasSize({ ...shape, place: { order: 'columns' as const } }, 4096);
    expect(spread.row0).toBe(32);
    expect(spread.texHeight).toBe(96);
    expect(flat.texHeight).toBe(64);
    // every atlas-sized texture of the engine grows by texHeight / atlasHeight
    expect(engineBytes({ ...shape, place }) - engineBytes({ ...shape, place: { order: 'columns' } })).toBe(
      (2 * 32 * 32 * 4 * 16 + 16 * 32 * 8 * 16),
    );
    const t = { ...shape, rule: 'growing' as const, steps: 8 };
    expect(trainerBytes({ ...t, place })).toBeGreaterThan(trainerBytes({ ...t, place: { order: 'columns' } }));
  });
});

describe('partialLayout (the gradient partials: one column per chunk of atlas rows)', () => {
  it('gives each atlas row its own chunk up to the cap, then joins rows so every row is in exactly one chunk', () => {
    for (const rows of [1, 40, 64, MAX_PARTIAL_CHUNKS, MAX_PARTIAL_CHUNKS + 1, 288, 1000]) {
      const pl = partialLayout({ atlasHeight: rows }, 64, 65, 8192);
      expect(pl.chunks).toBeLessThanOrEqual(MAX_PARTIAL_CHUNKS);
      expect(pl.chunks * pl.chunkRows).toBeGreaterThanOrEqual(rows);
      expect((pl.chunks - 1) * pl.chunkRows).toBeLessThan(rows); // no empty chunk
      if (rows <= MAX_PARTIAL_CHUNKS) expect(pl.chunkRows).toBe(1);
    }
    expect(partialLayout({ atlasHeight: 10 }, 128, 129, 8192)).toMatchObject({ ph: 36, pairs: 17 });
  });

  it('refuses, naming the hidden size, a layout taller than the texture limit', () => {
    expect(() => partialLayout({ atlasHeight: 64 }, 256, 257, 2048)).toThrow(/hidden 256 need 2244 texel rows and this device allows 2048/);
    expect(partialLayout({ atlasHeight: 64 }, 256, 257, 4096).pairs * 68).toBe(2244);
  });
});
