// A small PNG encoder for the icon script: palette images when the pixels allow it, else RGBA, best of
// a few filter strategies at zlib level 9. No image dependency for four icons made once.
import { deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** One scanline filtered with PNG filter `type` (0 none … 4 Paeth); `bpp` bytes per pixel. */
function filterRow(type: number, row: Buffer, prev: Buffer, bpp: number): Buffer {
  const out = Buffer.alloc(row.length + 1);
  out[0] = type;
  for (let i = 0; i < row.length; i++) {
    const x = row[i]!;
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type]!;
    out[i + 1] = (x - predicted) & 0xff;
  }
  return out;
}

/** Filtered image data: one filter for every row, or per row the one with the smallest sum of |bytes| (the usual heuristic). */
function filtered(raw: Buffer, width: number, height: number, bpp: number, strategy: number | 'adaptive'): Buffer {
  const stride = width * bpp;
  const rows: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * stride, (y + 1) * stride);
    if (strategy === 'adaptive') {
      let best: Buffer | undefined;
      let bestScore = Infinity;
      for (let t = 0; t <= 4; t++) {
        const f = filterRow(t, row, prev, bpp);
        let score = 0;
        for (let i = 1; i < f.length; i++) score += f[i]! < 128 ? f[i]! : 256 - f[i]!;
        if (score < bestScore) [best, bestScore] = [f, score];
      }
      rows.push(best!);
    } else rows.push(filterRow(strategy, row, prev, bpp));
    prev = row;
  }
  return Buffer.concat(rows);
}

function smallestIdat(raw: Buffer, width: number, height: number, bpp: number): Buffer {
  const candidates = ([0, 1, 2, 4, 'adaptive'] as const).map((s) => deflateSync(filtered(raw, width, height, bpp, s), { level: 9, memLevel: 9 }));
  return candidates.reduce((a, b) => (b.length < a.length ? b : a));
}

/**
 * Fits an image with a few more than 256 colours into a palette: the 256 most frequent colours stay, each
 * rarer one (an anti-aliased edge pixel) becomes its nearest kept colour. Returns undefined when that
 * would move some channel by more than `maxError`, so a photo stays truecolour.
 */
function reduceToPalette(rgba: Uint8Array, maxError: number): Uint8Array | undefined {
  const view = new DataView(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const counts = new Map<number, number>();
  for (let i = 0; i < rgba.length; i += 4) counts.set(view.getUint32(i), (counts.get(view.getUint32(i)) ?? 0) + 1);
  const byUse = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
  const kept = byUse.slice(0, 256);
  const channels = (k: number) => [k >>> 24, (k >>> 16) & 0xff, (k >>> 8) & 0xff, k & 0xff];
  const keptChannels = kept.map(channels);
  const replace = new Map<number, number>();
  for (const colour of byUse.slice(256)) {
    const c = channels(colour);
    let best = 0;
    let bestError = Infinity;
    keptChannels.forEach((k, i) => {
      const error = Math.max(...k.map((v, j) => Math.abs(v - c[j]!)));
      if (error < bestError) [best, bestError] = [i, error];
    });
    if (bestError > maxError) return undefined;
    replace.set(colour, kept[best]!);
  }
  const out = new Uint8Array(rgba);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < out.length; i += 4) {
    const r = replace.get(outView.getUint32(i));
    if (r !== undefined) outView.setUint32(i, r);
  }
  return out;
}

/** Encodes straight (non-premultiplied) RGBA pixels, as canvas getImageData returns them. A palette is
 * used when at most 256 colours remain after moving rare colours by up to `maxColourError` per channel. */
export function encodePng(source: Uint8Array, width: number, height: number, opts: { maxColourError?: number } = {}): Buffer {
  if (source.length !== width * height * 4) throw new Error(`expected ${width * height * 4} bytes of RGBA, got ${source.length}`);
  const rgba = (opts.maxColourError ? reduceToPalette(source, opts.maxColourError) : undefined) ?? source;
  const colours = new Map<number, number>();
  const view = new DataView(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  for (let i = 0; i < rgba.length && colours.size <= 256; i += 4) {
    const key = view.getUint32(i);
    if (!colours.has(key)) colours.set(key, colours.size);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  const parts: Buffer[] = [SIGNATURE];

  if (colours.size <= 256) {
    // Palette (colour type 3): one byte a pixel, alpha in tRNS.
    ihdr[9] = 3;
    const palette = Buffer.alloc(colours.size * 3);
    const alpha = Buffer.alloc(colours.size);
    for (const [key, index] of colours) {
      palette.writeUIntBE(key >>> 8, index * 3, 3);
      alpha[index] = key & 0xff;
    }
    const indexed = Buffer.alloc(width * height);
    for (let p = 0; p < indexed.length; p++) indexed[p] = colours.get(view.getUint32(p * 4))!;
    // tRNS may stop at the last translucent entry; an opaque image needs none.
    let lastTranslucent = -1;
    alpha.forEach((a, i) => (a < 255 ? (lastTranslucent = i) : undefined));
    parts.push(chunk('IHDR', ihdr), chunk('PLTE', palette));
    if (lastTranslucent >= 0) parts.push(chunk('tRNS', alpha.subarray(0, lastTranslucent + 1)));
    parts.push(chunk('IDAT', smallestIdat(indexed, width, height, 1)));
  } else {
    ihdr[9] = 6; // RGBA
    parts.push(chunk('IHDR', ihdr), chunk('IDAT', smallestIdat(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, 4)));
  }
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** Width and height from a PNG's IHDR, or undefined when `buf` is not a PNG. */
export function pngSize(buf: Uint8Array): { width: number; height: number } | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 24 || !b.subarray(0, 8).equals(SIGNATURE) || b.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
