import fc from 'fast-check';
import { ByteWriter } from 'hyparquet-writer';
import { snappyCompress as librarySnappy } from 'hyparquet-writer/src/snappy.js';
import { describe, expect, it } from 'vitest';
import { parquetWriter } from '../../lambda/core/parquet.js';
import type { Column } from '../../lambda/core/row-schema.js';
import { snappyCompress } from '../../lambda/core/snappy.js';

/**
 * Reads the raw Snappy format back, written from the format's description alone, as the test's own
 * judge of what the compressor writes: a varint length, then literals (tag 0) and copies with one-,
 * two- or four-byte offsets (tags 1, 2, 3).
 */
function uncompress(bytes: Uint8Array): Uint8Array {
  let at = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++] ?? 0;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const out = new Uint8Array(length);
  let op = 0;
  const little = (count: number): number => {
    let value = 0;
    for (let i = 0; i < count; i++) value += (bytes[at++] ?? 0) * 2 ** (8 * i);
    return value;
  };
  while (at < bytes.length) {
    const tag = bytes[at++] ?? 0;
    const kind = tag & 3;
    if (kind === 0) {
      const short = tag >>> 2;
      const count = (short < 60 ? short : little(short - 59)) + 1;
      out.set(bytes.subarray(at, at + count), op);
      at += count;
      op += count;
      continue;
    }
    let count: number;
    let offset: number;
    if (kind === 1) {
      count = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | (bytes[at++] ?? 0);
    } else {
      count = (tag >>> 2) + 1;
      offset = little(kind === 2 ? 2 : 4);
    }
    if (offset === 0 || offset > op) throw new Error(`a copy from ${offset} back at ${op}`);
    for (let i = 0; i < count; i++, op++) out[op] = out[op - offset] ?? 0;
  }
  if (op !== length) throw new Error(`${op} bytes written of ${length}`);
  return out;
}

/** Inputs as pages hold them: random bytes, text with repeats, runs, and repeats farther back than a copy reaches. */
const inputs: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }),
  // Lengths around the 15 bytes below which nothing is looked up.
  fc.uint8Array({ minLength: 12, maxLength: 20, max: 3 }),
  fc
    .tuple(
      fc.array(fc.constantFrom('row-', '2019', 'turnover', 'ә', ' - ', '0', '1'), { maxLength: 400 }),
      fc.nat(),
    )
    .map(([words, seed]) => new TextEncoder().encode(words.join(seed % 2 === 0 ? '' : '\u0000'))),
  fc
    .record({ unit: fc.uint8Array({ minLength: 1, maxLength: 70 }), times: fc.integer({ min: 1, max: 300 }) })
    .map(({ unit, times }) => {
      const bytes = new Uint8Array(unit.length * times);
      for (let i = 0; i < times; i++) bytes.set(unit, i * unit.length);
      return bytes;
    }),
);

describe('snappyCompress', () => {
  it('writes the bytes hyparquet-writer writes, which read back as the input', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const ours = Buffer.from(snappyCompress(input));
        expect(ours.equals(Buffer.from(librarySnappy(input)))).toBe(true);
        expect(Buffer.from(uncompress(ours)).equals(Buffer.from(input))).toBe(true);
      }),
      { seed: 71208, numRuns: 600 },
    );
  });

  it('agrees on long literals, long runs and repeats farther back than a copy reaches', () => {
    let state = 7;
    const random = (length: number): Uint8Array =>
      Uint8Array.from({ length }, () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
    const noise = random(70_000); // one literal past the two-byte length (65,536)
    const block = random(40_000);
    const far = new Uint8Array(200_000); // the same 40,000 random bytes every 70,000: out of a copy's reach
    for (let at = 0; at + block.length <= far.length; at += 70_000) far.set(block, at);
    const cases = [
      noise,
      far,
      new Uint8Array(100_000), // one long run: copies of 64, one of 60
      ...[63, 64, 65, 67, 68, 69, 131].map((run) =>
        Uint8Array.from({ length: run + 20 }, (_, i) => (i < 20 ? i : 0)),
      ),
      new Uint8Array(0),
      Uint8Array.of(1),
    ];
    for (const input of cases) {
      const ours = Buffer.from(snappyCompress(input));
      expect(ours.equals(Buffer.from(librarySnappy(input))), `${input.length} bytes`).toBe(true);
      expect(Buffer.from(uncompress(ours)).equals(Buffer.from(input))).toBe(true);
    }
  });

  it('makes the same Parquet file as the library’s compressor, pages of several row groups and columns included', () => {
    const columns: readonly Column[] = [
      { name: 'id', type: 'string', required: true, schema: {} },
      { name: 'note', type: 'string', required: false, schema: {} },
      { name: 'n', type: 'number', required: false, schema: {} },
    ];
    const file = (compressor: typeof snappyCompress): Buffer => {
      const writer = new ByteWriter();
      const parquet = parquetWriter(writer, columns);
      parquet.compressors = { SNAPPY: compressor };
      for (let group = 0; group < 3; group++) {
        const rows = 500 + 300 * group;
        void parquet.write({
          columnData: [
            { name: 'id', data: Array.from({ length: rows }, (_, i) => `row-${group}-${i}`) },
            {
              name: 'note',
              data: Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? null : `note ${i % 17}`)),
            },
            { name: 'n', data: Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? null : i / 7)) },
          ],
          rowGroupSize: rows,
          // Small pages: each column chunk is several pages, compressed one after another.
          pageSize: 1_024,
        });
      }
      void parquet.finish();
      return Buffer.from(writer.getBytes());
    };
    const ours = file(snappyCompress);
    expect(ours.equals(file(librarySnappy))).toBe(true);
    expect(ours.length).toBeGreaterThan(4_000);
  });
});
