/** Base64 for bytes (model files and state through puppeteer, data: URLs), in browsers and Node 16+. */

export function bytesToBase64(u8: Uint8Array): string {
  let s = '';
  // in chunks: String.fromCharCode takes its arguments on the stack
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000) as unknown as number[]);
  return btoa(s);
}

export function base64ToBytes(s: string): Uint8Array {
  const bin = atob(s);
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return u8;
}
