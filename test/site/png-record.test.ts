import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDrawingOf, withDrawingRecord } from '../../lambda/core/site/png-record.js';
import { decodePng, pngChunks } from './png-decode.js';

/** A chunk with its length and CRC. */
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * An RGBA PNG of `width` × `height` pixels made here, as resvg lays one out (IHDR, IDAT, IEND), with the image
 * data split into IDAT chunks of `split` bytes, and any chunks of `extra` before the image data.
 */
function png(
  pixels: Uint8Array,
  width: number,
  height: number,
  split = 1 << 16,
  extra: Buffer[] = [],
): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 6;
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++)
    Buffer.from(pixels).copy(raw, y * (1 + width * 4) + 1, y * width * 4, (y + 1) * width * 4);
  const data = deflateSync(raw);
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += split) parts.push(chunk('IDAT', data.subarray(at, at + split)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...extra,
    ...parts,
    chunk('IEND', new Uint8Array()),
  ]);
}

const SOURCE = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

const image = fc
  .record({
    width: fc.integer({ min: 1, max: 12 }),
    height: fc.integer({ min: 1, max: 12 }),
    split: fc.integer({ min: 1, max: 64 }),
  })
  .chain(({ width, height, split }) =>
    fc
      .uint8Array({ minLength: width * height * 4, maxLength: width * height * 4 })
      .map((pixels) => ({ width, height, split, pixels })),
  );

describe('a PNG that records what it was drawn from', () => {
  it('is recognised as the drawing of its source, and shows the same image', () => {
    fc.assert(
      fc.property(image, ({ width, height, split, pixels }) => {
        const plain = png(pixels, width, height, split);
        const recorded = withDrawingRecord(plain, SOURCE);
        expect(isDrawingOf(recorded, SOURCE)).toBe(true);
        expect(isDrawingOf(recorded, OTHER)).toBe(false);
        expect(decodePng(recorded)).toEqual(decodePng(plain));
      }),
      { numRuns: 50 },
    );
  });

  it('is not recognised once its pixels change, even in an intact PNG around its own record', () => {
    fc.assert(
      fc.property(
        image,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        ({ width, height, split, pixels }, at, flip) => {
          const recorded = withDrawingRecord(png(pixels, width, height, split), SOURCE);
          const edited = Uint8Array.from(pixels);
          const index = at % edited.length;
          edited[index] = (edited[index] ?? 0) ^ flip;
          // The edited image, re-encoded whole, with the original's record chunk copied into it.
          const record = recordChunk(recorded);
          const forged = Buffer.concat([
            png(edited, width, height, split).subarray(0, -12),
            Buffer.from(record),
            chunk('IEND', new Uint8Array()),
          ]);
          expect(decodePng(forged).rgba).toEqual(decodePng(png(edited, width, height, split)).rgba);
          expect(isDrawingOf(forged, SOURCE)).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('is not recognised with a damaged byte anywhere, without its record, with two, or without its end', () => {
    const pixels = Uint8Array.from({ length: 8 * 8 * 4 }, (_, i) => (i * 37) % 256);
    const recorded = Buffer.from(withDrawingRecord(png(pixels, 8, 8, 40), SOURCE));
    for (let at = 0; at < recorded.length; at++) {
      const damaged = Buffer.from(recorded);
      damaged[at] = (damaged[at] ?? 0) ^ 0x01;
      expect(isDrawingOf(damaged, SOURCE), `byte ${at}`).toBe(false);
    }
    const plain = png(pixels, 8, 8, 40);
    expect(isDrawingOf(plain, SOURCE)).toBe(false);
    expect(() => withDrawingRecord(recorded, SOURCE)).toThrow(/already holds a record/);
    const record = recordChunk(recorded);
    const twice = Buffer.concat([
      recorded.subarray(0, -12),
      Buffer.from(record),
      chunk('IEND', new Uint8Array()),
    ]);
    expect(isDrawingOf(twice, SOURCE)).toBe(false);
    expect(isDrawingOf(recorded.subarray(0, -12), SOURCE)).toBe(false);
    expect(isDrawingOf(Buffer.concat([recorded, Buffer.from([0])]), SOURCE)).toBe(false);
    expect(isDrawingOf(new Uint8Array(), SOURCE)).toBe(false);
    expect(() => withDrawingRecord(Buffer.from('not a png'), SOURCE)).toThrow(/not a whole PNG/);
  });

  it('is not recognised once any chunk is changed, added, split or moved, every CRC intact', () => {
    const pixels = Uint8Array.from({ length: 8 * 8 * 4 }, (_, i) => (i * 53) % 256);
    const plain = png(pixels, 8, 8, 1 << 16);
    const recorded = Buffer.from(withDrawingRecord(plain, SOURCE));
    const record = recordChunk(recorded);
    const [signature, header, rest] = [
      recorded.subarray(0, 8),
      recorded.subarray(8, 33),
      recorded.subarray(33),
    ];
    const end = chunk('IEND', new Uint8Array());
    // The header with another size and colour type (an image tool's or a hand's edit), its CRC made anew.
    const ihdr = Buffer.from(header);
    ihdr.writeUInt32BE(32, 8);
    ihdr[17] = 0;
    ihdr.writeUInt32BE(crc32(ihdr.subarray(4, 21)), 21);
    const cases: Record<string, Buffer> = {
      'header edited': Buffer.concat([signature, ihdr, rest]),
      'a chunk added': Buffer.concat([
        signature,
        header,
        chunk('tIME', Buffer.from([7, 234, 12, 7, 8, 0, 0])),
        rest,
      ]),
      'a text chunk added': Buffer.concat([
        signature,
        header,
        chunk('tEXt', Buffer.from('Author\0Jane', 'latin1')),
        rest,
      ]),
      'the image data split in two': Buffer.concat([
        png(pixels, 8, 8, 20).subarray(0, -12),
        Buffer.from(record),
        end,
      ]),
      'the record moved before the image data': Buffer.concat([
        signature,
        header,
        Buffer.from(record),
        recorded.subarray(33, recorded.length - 12 - record.length),
        end,
      ]),
    };
    expect(isDrawingOf(recorded, SOURCE)).toBe(true);
    for (const [change, bytes] of Object.entries(cases)) {
      expect(() => decodePng(bytes), change).not.toThrow(/CRC/);
      expect(isDrawingOf(bytes, SOURCE), change).toBe(false);
    }
  });

  it('leaves other text chunks alone and is told apart from them', () => {
    const pixels = new Uint8Array(4 * 4 * 4).fill(200);
    const other = chunk('tEXt', Buffer.from('Software\0resvg', 'latin1'));
    const recorded = withDrawingRecord(png(pixels, 4, 4, 1 << 16, [other]), SOURCE);
    expect(isDrawingOf(recorded, SOURCE)).toBe(true);
    expect(Buffer.from(recorded).includes(other)).toBe(true);
  });
});

/** The chunk just before IEND, whole (the record, in a PNG this module wrote). */
function recordChunk(recorded: Uint8Array): Uint8Array {
  const record = pngChunks(recorded).at(-2);
  expect(record?.type).toBe('tEXt');
  return record?.bytes ?? new Uint8Array();
}
