import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../../src/io/base64';

describe('base64', () => {
  it('round-trips bytes and agrees with Node, across the 32 KiB chunk boundary', () => {
    for (const n of [0, 1, 2, 3, 0x8000 - 1, 0x8000, 0x8000 + 1, 100_003]) {
      const u8 = Uint8Array.from({ length: n }, (_, i) => (i * 131 + (i >> 8)) & 255);
      const b64 = bytesToBase64(u8);
      expect(b64).toBe(Buffer.from(u8).toString('base64'));
      expect(base64ToBytes(b64)).toEqual(u8);
    }
  });
});
