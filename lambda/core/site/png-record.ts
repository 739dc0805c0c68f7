import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * A PNG's record of what it was drawn from, kept in the file itself (a `tEXt` chunk just before `IEND`), so that
 * a drawing already published can be recognised without drawing it again: the chart PNGs take resvg half a
 * publish of the curated datasets, and are the same from one run to the next until their chart changes.
 *
 * The record names the source (a hash of the SVG and of everything that draws it, see `chart-png.ts`) and the
 * SHA-256 of the rest of the file, every byte of it but the record's chunk. So a PNG is recognised only when it
 * is, byte for byte, what drawing its source gives: one whose header, pixels or any chunk was changed, which
 * gained or lost a chunk (metadata an image tool adds), or whose record moved, lost or damaged, is drawn and
 * written again as before.
 */

/** The `tEXt` keyword of the record: a private one (the PNG specification lets any Latin-1 keyword be used). */
const KEYWORD = 'kz-az-open-data drawn from';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
  readonly type: string;
  readonly data: Buffer;
  /** Where the chunk starts (its length field), and where the next one does. */
  readonly at: number;
  readonly end: number;
}

/** The chunks of a PNG, each CRC checked; `undefined` for anything that is not a whole, intact PNG. */
function chunksOf(bytes: Buffer): Chunk[] | undefined {
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
    chunks.push({ type, data: bytes.subarray(at + 8, end - 4), at, end });
    at = end;
    if (type === 'IEND') return at === bytes.length ? chunks : undefined;
  }
  return undefined;
}

/** The record's keyword and its separator, as a `tEXt` chunk's data begins. */
const RECORD_PREFIX = Buffer.from(`${KEYWORD}\0`, 'latin1');

/** Whether a chunk is a record: a `tEXt` chunk whose keyword is {@link KEYWORD}. */
function isRecord(chunk: Chunk): boolean {
  return (
    chunk.type === 'tEXt' &&
    chunk.data.length >= RECORD_PREFIX.length &&
    chunk.data.subarray(0, RECORD_PREFIX.length).equals(RECORD_PREFIX)
  );
}

/** SHA-256 of a PNG's bytes but those of `left` (one of its chunks). */
function hashWithout(bytes: Buffer, left?: Chunk): string {
  const hash = createHash('sha256');
  if (left === undefined) return hash.update(bytes).digest('hex');
  return hash.update(bytes.subarray(0, left.at)).update(bytes.subarray(left.end)).digest('hex');
}

function recordText(source: string, drawing: string): string {
  return `source sha256:${source} drawing sha256:${drawing}`;
}

function bytesOf(png: Uint8Array): Buffer {
  return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
}

/**
 * `png` with a record that it was drawn from `source` (lowercase hex of a SHA-256) and of its own bytes, in a
 * `tEXt` chunk placed just before `IEND`. The image itself is unchanged.
 * @throws when `png` is not a whole, intact PNG, or already holds a record
 */
export function withDrawingRecord(png: Uint8Array, source: string): Uint8Array {
  const bytes = bytesOf(png);
  const chunks = chunksOf(bytes);
  const end = chunks?.at(-1);
  if (chunks === undefined || end === undefined)
    throw new Error('not a whole PNG: no record can be added to it');
  if (chunks.some(isRecord)) throw new Error('the PNG already holds a record');
  const data = Buffer.concat([RECORD_PREFIX, Buffer.from(recordText(source, hashWithout(bytes)), 'latin1')]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return Buffer.concat([bytes.subarray(0, end.at), chunk, bytes.subarray(end.at)]);
}

/**
 * Whether `png` is, byte for byte, what {@link withDrawingRecord} made of a drawing of `source`: an intact PNG
 * whose one record, just before `IEND`, names `source`, and whose other bytes hash as the record says.
 */
export function isDrawingOf(png: Uint8Array, source: string): boolean {
  const bytes = bytesOf(png);
  const chunks = chunksOf(bytes);
  if (chunks === undefined || chunks.filter(isRecord).length !== 1) return false;
  const record = chunks.at(-2);
  if (record === undefined || !isRecord(record)) return false;
  const text = record.data.toString('latin1', RECORD_PREFIX.length);
  return text === recordText(source, hashWithout(bytes, record));
}
