import { crc32, inflateSync } from 'node:zlib';

/**
 * A strict reader of the PNGs the site writes, for the tests: the signature,
 * every chunk's CRC, the IHDR, and the pixels of an 8-bit RGBA or RGB,
 * non-interlaced image (what resvg writes), unfiltered as the PNG
 * specification says. It is built on the platform's zlib and CRC-32 and shares
 * nothing with the encoder under test; anything else is an error.
 */
export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** Four bytes (R, G, B, A) per pixel, row after row. */
  readonly rgba: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function decodePng(bytes: Uint8Array): DecodedPng {
  if (bytes.length < 8 || SIGNATURE.some((byte, i) => bytes[i] !== byte))
    throw new Error('not a PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let header: { width: number; height: number; depth: number; colour: number; interlace: number } | undefined;
  const data: Uint8Array[] = [];
  let ended = false;
  while (at < bytes.length) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (body.length !== length) throw new Error(`chunk ${type} is cut short`);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length))
      throw new Error(`chunk ${type} fails its CRC`);
    at += 12 + length;
    if (type === 'IHDR') {
      const chunk = new DataView(body.buffer, body.byteOffset, body.byteLength);
      header = {
        width: chunk.getUint32(0),
        height: chunk.getUint32(4),
        depth: body[8] ?? 0,
        colour: body[9] ?? 0,
        interlace: body[12] ?? 0,
      };
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (header === undefined) throw new Error('no IHDR chunk');
  if (!ended || at !== bytes.length) throw new Error('no IEND at the end');
  const channels = header.colour === 6 ? 4 : header.colour === 2 ? 3 : 0;
  if (header.depth !== 8 || channels === 0 || header.interlace !== 0)
    throw new Error(`unsupported PNG: depth ${header.depth}, colour type ${header.colour}`);
  const { width, height } = header;
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1))
    throw new Error(`image data is ${raw.length} bytes, not ${height * (stride + 1)}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? (pixels[y * stride + x - channels] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= channels ? (pixels[(y - 1) * stride + x - channels] ?? 0) : 0;
      let predicted: number;
      if (filter === 0) predicted = 0;
      else if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else throw new Error(`row ${y}: unknown filter ${String(filter)}`);
      pixels[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: pixels };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(pixels.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

/**
 * Each chunk of a PNG as bytes, whole (length, type, data, CRC), in order, after the signature: for tests that
 * take a PNG apart and put it back together. Lengths are trusted and nothing is checked.
 */
export function pngChunks(bytes: Uint8Array): { readonly type: string; readonly bytes: Buffer }[] {
  const png = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: { type: string; bytes: Buffer }[] = [];
  for (let at = 8; at + 12 <= png.length;) {
    const end = at + 12 + png.readUInt32BE(at);
    chunks.push({ type: png.toString('latin1', at + 4, at + 8), bytes: png.subarray(at, end) });
    at = end;
  }
  return chunks;
}
