import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * A PNG's record of what it was drawn from, kept in the file itself (a `tEXt` chunk before `IEND`), so that a
 * drawing already published can be recognised without drawing it again: the chart PNGs take resvg half a
 * publish of the curated datasets, and are the same from one run to the next until their chart changes.
 *
 * The record names the source (a hash of the SVG and of everything that draws it, see `chart-png.ts`) and the
 * SHA-256 of the image data, so a PNG whose pixels were edited, or which lost or damaged the record or any
 * chunk, is not recognised, and is drawn and written again as before.
 */

/** The `tEXt` keyword of the record: a private one (the PNG specification lets any Latin-1 keyword be used). */
const KEYWORD = 'kz-az-open-data drawn from';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
  readonly type: string;
  readonly data: Uint8Array;
  /** Where the chunk starts (its length field). */
  readonly at: number;
}

/** The chunks of a PNG, each CRC checked; `undefined` for anything that is not a whole, intact PNG. */
function chunksOf(png: Uint8Array): Chunk[] | undefined {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (bytes.length < SIGNATURE.length || !bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE))
    return undefined;
  const chunks: Chunk[] = [];
  for (let at = SIGNATURE.length; at < bytes.length;) {
    if (at + 12 > bytes.length) return undefined;
    const length = bytes.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > bytes.length) return undefined;
    if (crc32(bytes.subarray(at + 4, end - 4)) !== bytes.readUInt32BE(end - 4)) return undefined;
    const type = bytes.toString('latin1', at + 4, at + 8);
    chunks.push({ type, data: bytes.subarray(at + 8, end - 4), at });
    at = end;
    if (type === 'IEND') return at === bytes.length ? chunks : undefined;
  }
  return undefined;
}

/** SHA-256 of the image data: every `IDAT` chunk's data, in order. */
function imageDataHash(chunks: readonly Chunk[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) if (chunk.type === 'IDAT') hash.update(chunk.data);
  return hash.digest('hex');
}

function recordText(source: string, imageData: string): string {
  return `source sha256:${source} image-data sha256:${imageData}`;
}

/**
 * `png` with a record that it was drawn from `source` (lowercase hex of a SHA-256), in a `tEXt` chunk placed
 * just before `IEND`. The image itself is unchanged.
 * @throws when `png` is not a whole, intact PNG, or already holds a record
 */
export function withDrawingRecord(png: Uint8Array, source: string): Uint8Array {
  const chunks = chunksOf(png);
  const end = chunks?.at(-1);
  if (chunks === undefined || end === undefined)
    throw new Error('not a whole PNG: no record can be added to it');
  if (chunks.some((chunk) => chunk.type === 'tEXt' && isRecord(chunk)))
    throw new Error('the PNG already holds a record');
  const data = Buffer.from(`${KEYWORD}\0${recordText(source, imageDataHash(chunks))}`, 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return Buffer.concat([png.subarray(0, end.at), chunk, png.subarray(end.at)]);
}

/** Whether a `tEXt` chunk is a record: its keyword is {@link KEYWORD}. */
function isRecord(chunk: Chunk): boolean {
  const keyword = Buffer.from(`${KEYWORD}\0`, 'latin1');
  return (
    chunk.data.length >= keyword.length &&
    Buffer.from(chunk.data.buffer, chunk.data.byteOffset, keyword.length).equals(keyword)
  );
}

/**
 * Whether `png` is an intact PNG recording that it was drawn from `source`, with the image data it was
 * drawn with: exactly one record, naming `source`, and the image data's hash as recorded.
 */
export function isDrawingOf(png: Uint8Array, source: string): boolean {
  const chunks = chunksOf(png);
  if (chunks === undefined) return false;
  const records = chunks.filter((chunk) => chunk.type === 'tEXt' && isRecord(chunk));
  if (records.length !== 1) return false;
  const [record] = records as [Chunk];
  const text = Buffer.from(record.data).toString('latin1', KEYWORD.length + 1);
  return text === recordText(source, imageDataHash(chunks));
}
