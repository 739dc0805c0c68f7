import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { writtenArrayItems } from '../../lambda/core/json-writer.js';
import { LineCutter, rowsOfLines, Spill } from '../../lambda/core/row-source.js';
import { scratchForEachTest } from '../support/scratch.js';

/** A line of any bytes but the line break. */
const lineArbitrary = fc
  .uint8Array({ maxLength: 40 })
  .map((bytes) => Buffer.from(bytes.map((byte) => (byte === 0x0a ? 0x20 : byte))));

/** Lines each ending with a line break, as a spill file holds them. */
const linesArbitrary = fc.array(lineArbitrary, { maxLength: 60 });

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

/**
 * The bytes `Buffer.concat` and `Buffer.from` copy while `work` runs: the work of cutting lines, counted
 * rather than timed. (`Buffer.from` of an ArrayBuffer makes a view, and of a string encodes it: neither
 * copies bytes read.)
 */
async function bytesCopied(work: () => Promise<unknown>): Promise<number> {
  const { concat, from } = Buffer;
  let copied = 0;
  const spies = [
    vi.spyOn(Buffer, 'concat').mockImplementation((list, totalLength) => {
      const joined = concat.call(Buffer, list, totalLength);
      copied += joined.length;
      return joined;
    }),
    vi.spyOn(Buffer, 'from').mockImplementation(((...args: Parameters<typeof Buffer.from>) => {
      const made = from.apply(Buffer, args);
      if (ArrayBuffer.isView(args[0])) copied += made.length;
      return made;
    }) as typeof Buffer.from),
  ];
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return copied;
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
          // As the Parquet worker reads: into one buffer, reused, so what is kept must be copied out of it.
          const cutter = new LineCutter({ reusedChunks: true });
          const buffer = Buffer.alloc(97);
          for (const chunk of reads(file, sizes)) {
            chunk.copy(buffer);
            for (const piece of cutter.wholeLines(buffer.subarray(0, chunk.length))) {
              expect(piece.at(-1)).toBe(0x0a);
              got.push(Buffer.from(piece));
            }
            buffer.fill(0xff);
          }
          expect(cutter.carriedBytes).toBe(0);
          expect(cutter.rest()).toBeUndefined();
          expect(Buffer.concat(got).equals(file)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('copies each byte at most once to join a line and once to keep it out of a reused buffer, however long the lines and however the reads cut them', async () => {
    // Lines of up to 40 reads and more, as a row of wide cells is in 64 KiB reads.
    const longLines = fc.array(
      fc.oneof(
        lineArbitrary,
        fc.nat(4000).map((length) => Buffer.alloc(length, 0x79)),
      ),
      { maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(
        longLines,
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (lines, endsWithBreak, sizes, reusedChunks) => {
          const file = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
          // Without its last line break, where that leaves a last line to read.
          const cut = !endsWithBreak && (lines.at(-1)?.length ?? 0) > 0;
          const chunks = reads(cut ? file.subarray(0, file.length - 1) : file, sizes);
          const buffer = Buffer.alloc(97);
          const cutter = new LineCutter({ reusedChunks });
          // What the cutter gives is compared with the file where it lies, without copying it.
          let at = 0;
          const given = (piece: Buffer): void => {
            expect(piece.at(-1)).toBe(0x0a);
            expect(piece.equals(file.subarray(at, at + piece.length))).toBe(true);
            at += piece.length;
          };

          const copied = await bytesCopied(async () => {
            for (const chunk of chunks) {
              const read = reusedChunks ? buffer.subarray(0, chunk.copy(buffer)) : chunk;
              for (const piece of cutter.wholeLines(read)) given(piece);
              if (reusedChunks) buffer.fill(0xff);
            }
            const rest = cutter.rest();
            if (rest !== undefined) given(rest);
            await Promise.resolve();
          });

          expect(at).toBe(file.length);
          expect(copied).toBeLessThanOrEqual((reusedChunks ? 2 : 1) * file.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parses the rows of lines given in several pieces as of the same lines in one piece', () => {
    const rows = [{ a: 1 }, { a: 'x', b: true }, { c: null }];
    const text = Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const cut = text.indexOf(0x0a) + 1;
    expect(rowsOfLines([text.subarray(0, cut), text.subarray(cut)])).toEqual(rowsOfLines([text]));
    expect(rowsOfLines([text]).map((row) => ({ ...row }))).toEqual(rows);
  });

  it('parses any spilled rows, cut anywhere between lines, as a parse of each line would', () => {
    // Cells of every kind a row holds, text with commas, brackets, quotes, escaped line breaks and
    // U+2028; column names among them those every object inherits.
    const cell = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom(',', '[1,2]', '"', '\n', '\r\n', '\u2028', '}\n{', ''),
      fc.double(),
      fc.integer(),
      fc.boolean(),
    );
    const name = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('constructor', 'toString', '__proto__'),
    );
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(name, cell, { maxKeys: 5 }), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.boolean(),
        (rows, at, prototypeFree) => {
          const lines = rows.map((row) => `${JSON.stringify(row)}\n`);
          const text = Buffer.from(lines.join(''));
          const cutLine = at % lines.length;
          const cut = Buffer.byteLength(lines.slice(0, cutLine).join(''));
          const pieces = cut === 0 ? [text] : [text.subarray(0, cut), text.subarray(cut)];
          const parsed = rowsOfLines(pieces, prototypeFree);
          const expected = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
          expect(parsed.map((row) => JSON.stringify(row))).toEqual(
            expected.map((row) => JSON.stringify(row)),
          );
          for (const row of parsed)
            expect(Object.getPrototypeOf(row)).toBe(prototypeFree ? null : Object.prototype);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a line of many reads', () => {
  const scratch = scratchForEachTest();

  it('in a spill is read back, as values and as JSON text, copying its bytes once a read', async () => {
    // Prepare: a row of 4 MiB, 64 reads of 64 KiB, between two short ones.
    const spill = await Spill.values<Record<string, unknown>>(scratch.current, 'wide');
    const values = [{ id: 'a' }, { id: 'b', wide: 'y'.repeat(4 * 1024 ** 2) }, { id: 'c' }];
    await spill.add(values);
    const read = await spill.close();
    const text = values.map((value) => `${JSON.stringify(value)}\n`).join('');

    // Act
    const rows: unknown[] = [];
    const json: Uint8Array[] = [];
    const copied = await bytesCopied(async () => {
      for await (const batch of read.open()) rows.push(...batch);
      for await (const pieces of read.openJson()) json.push(...pieces);
    });

    // Assess: each read joins the line once, where the line so far was copied at each of its 64 reads
    // (281 MB for the two).
    expect(rows).toEqual(values);
    expect(Buffer.concat(json).toString()).toBe(text);
    expect(copied).toBeLessThanOrEqual(2 * text.length);
  });

  it('in a JSON file as the writer lays it out is read back copying its bytes at most twice', async () => {
    // Prepare: one item of 1 MiB, handed over in 256 pieces of 4 KiB, each a buffer of its own.
    const wide = 'y'.repeat(1024 ** 2);
    const text = Buffer.from(`{\n  "id": "wide",\n  "rows": [\n    "${wide}"\n  ]\n}\n`);
    const pieces: Uint8Array[] = [];
    for (let start = 0; start < text.length; start += 4096)
      pieces.push(new Uint8Array(text.subarray(start, start + 4096)));
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield* pieces;
    }

    // Act
    const items: string[] = [];
    const copied = await bytesCopied(async () => {
      for await (const batch of writtenArrayItems(chunks(), 'rows')) items.push(...batch);
    });

    // Assess: once to keep each piece out of the reader's buffer, once to join them, where the line so far
    // was copied twice a piece (271 MB).
    expect(items).toEqual([`"${wide}"`]);
    expect(copied).toBeLessThanOrEqual(2 * text.length);
  });
});
