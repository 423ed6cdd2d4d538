/**
 * Reading a fetch() response with a size cap: a declared Content-Length over the cap is refused
 * before the body is read; a body of unknown length (chunked) or with a content encoding (whose
 * decoded size the header does not bound) is read as a stream that is cancelled as soon as it
 * passes the cap. Either way a 100 MB answer costs at most the cap (plus one chunk), not 100 MB.
 * (A cross-origin response hides its Content-Encoding unless the server exposes it: such a body
 * is trusted to its declared length.)
 */
import { NcaGlError } from '../errors';
import { formatBytes } from '../engine/budget';

/** The body of `res` as bytes, at most `maxBytes` of them; an `io` error naming `what` beyond that. */
export async function readCapped(res: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const tooLarge = (n: string) => new NcaGlError('io', `${what} is too large (${n}, limit ${formatBytes(maxBytes)}): it was not downloaded further`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(`${formatBytes(declared)} declared`);
  }
  // a declared length within the cap bounds an unencoded body (the browser holds the server to it):
  // read it whole. Streaming is kept for bodies of unknown or encoded length, where it is needed.
  const encoding = (res.headers.get('content-encoding') ?? 'identity').toLowerCase();
  if (!res.body || (Number.isFinite(declared) && res.headers.has('content-length') && encoding === 'identity')) {
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.length > maxBytes) throw tooLarge(formatBytes(buf.length));
    return buf;
  }
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`over ${formatBytes(maxBytes)} received`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
