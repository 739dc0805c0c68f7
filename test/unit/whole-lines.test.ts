import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowsOfLines, wholeLines } from '../../lambda/core/row-source.js';

/** Lines of any bytes but the line break, each ending with one, as a spill file holds them. */
const linesArbitrary = fc.array(
  fc
    .uint8Array({ maxLength: 40 })
    .map((bytes) => Buffer.from(bytes.map((byte) => (byte === 0x0a ? 0x20 : byte)))),
  { maxLength: 60 },
);

/** The file's bytes cut into reads of the given sizes (the last size repeats to the end). */
function reads(file: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < file.length; i++) {
    const size = sizes[Math.min(i, sizes.length - 1)] ?? 1;
    chunks.push(file.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('whole lines of a spill read in pieces', () => {
  it('gives every line once, in order and byte for byte, however the reads cut them, into a buffer read into again', () => {
    fc.assert(
      fc.property(
        linesArbitrary,
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
        (lines, sizes) => {
          const file = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
          const got: Buffer[] = [];
          let carry = Buffer.alloc(0);
          // As the Parquet worker reads: into one buffer, reused, so what is kept must be copied out of it.
          const buffer = Buffer.alloc(97);
          for (const chunk of reads(file, sizes)) {
            chunk.copy(buffer);
            const cut = wholeLines(carry, buffer.subarray(0, chunk.length));
            carry = Buffer.from(cut.carry);
            for (const piece of cut.lines) {
              expect(piece.at(-1)).toBe(0x0a);
              got.push(Buffer.from(piece));
            }
            buffer.fill(0xff);
          }
          expect(carry.length).toBe(0);
          expect(Buffer.concat(got).equals(file)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('parses the rows of lines given in several pieces as of the same lines in one piece', () => {
    const rows = [{ a: 1 }, { a: 'x', b: true }, { c: null }];
    const text = Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const cut = text.indexOf(0x0a) + 1;
    expect(rowsOfLines([text.subarray(0, cut), text.subarray(cut)])).toEqual(rowsOfLines([text]));
    expect(rowsOfLines([text]).map((row) => ({ ...row }))).toEqual(rows);
  });
});
