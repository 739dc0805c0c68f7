import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CellTooLongError, readCsvRecordBatches, type CsvRecord } from '../../lambda/core/csv-records.js';
import { textPieces } from '../support/text-pieces.js';

async function read(
  text: string,
  cuts: readonly number[],
  maxFieldLength?: number,
): Promise<CsvRecord[] | CellTooLongError> {
  const records: CsvRecord[] = [];
  try {
    const options = maxFieldLength === undefined ? {} : { maxFieldLength };
    for await (const batch of readCsvRecordBatches(textPieces(text, cuts), options)) records.push(...batch);
    return records;
  } catch (error) {
    if (error instanceof CellTooLongError) return error;
    throw error;
  }
}

/** A cell: plain, quoted with commas, quotes and line breaks inside, or long. */
const cell = fc.oneof(
  fc.stringMatching(/^[a-z ]{0,12}$/),
  fc
    .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', 'ə'), maxLength: 12 })
    .map((text) => `"${text.replaceAll('"', '""')}"`),
  fc.nat(60).map((length) => 'x'.repeat(length)),
  fc.nat(30).map((length) => `"${'""'.repeat(length)}"`),
);
const csv = fc
  .array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })
  .chain((rows) =>
    fc.constantFrom('\n', '\r\n', '\r').map((end) => rows.map((row) => row.join(',')).join(end) + end),
  );

describe('reading a CSV with a cell limit', () => {
  it('stops only at a cell truly longer than the limit, naming its line and place', async () => {
    await fc.assert(
      fc.asyncProperty(csv, fc.nat(40), fc.array(fc.nat(), { maxLength: 30 }), async (text, max, cuts) => {
        const whole = await read(text, []);
        if (whole instanceof CellTooLongError) throw whole;
        const limited = await read(text, cuts, max);
        if (!(limited instanceof CellTooLongError)) {
          // Not stopped: the same records as without a limit.
          expect(limited).toEqual(whole);
          return;
        }
        // A file with a stray or unclosed quote is refused for it anyway, and papaparse may settle such
        // a cell shorter once the rest of the record arrives: only well-quoted files are held to this.
        if (whole.some((record) => record.problems.length > 0)) return;
        const record = whole.find((candidate) => candidate.line === limited.line);
        expect(record, `a record starting on line ${limited.line}`).toBeDefined();
        expect((record?.fields[limited.fieldIndex] ?? '').length).toBeGreaterThan(max);
      }),
      { numRuns: 600 },
    );
  });

  it('stops a cell that never ends soon after the limit, wherever it starts', async () => {
    const max = 1000;
    let given = 0;
    async function* endless(prefix: string): AsyncGenerator<string> {
      given = prefix.length;
      yield prefix;
      for (;;) {
        given += 100;
        yield 'y'.repeat(100);
      }
    }
    for (const [prefix, line, fieldIndex, within] of [
      ['id,name\n', 2, 0, max + 300],
      ['id,name\na,', 2, 1, max + 300],
      ['id,name\r\na,"x\r\n', 2, 1, 2 * max + 300],
      // No line break yet: the reader looks 4 MiB ahead for one before it parses.
      ['', 1, 0, 4 * 1024 ** 2 + max + 300],
    ] as const) {
      const error = await (async () => {
        for await (const batch of readCsvRecordBatches(endless(prefix), { maxFieldLength: max })) void batch;
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CellTooLongError);
      expect(error).toMatchObject({ line, fieldIndex, maxFieldLength: max });
      expect(given).toBeLessThan(within);
    }
  });

  it('says, where a line ending with LF alone ran the lines after it into one cell, that this is the cause', async () => {
    // A CRLF header over LF rows whose last cells are quoted: papaparse reads on to the end of the text.
    const rows = Array.from({ length: 40 }, (_, index) => `r${index},"quote ${index}"\n`).join('');
    const found = await read(`id,quote\r\n${rows}`, [7, 100, 300], 200);

    expect(found).toBeInstanceOf(CellTooLongError);
    expect((found as CellTooLongError).message).toBe(
      "cell is more than 200 characters long, the limit (limits.maxFieldLength); reading stopped here. The file's lines end with CRLF (its first line does), and line 2 ends with LF alone, so the lines after it ran into this row: save the file with one kind of line ending",
    );
    // An LF file of the same rows has no such note (nor any cell over the limit).
    expect(await read(`id,quote\n${rows}`, [7, 100, 300], 200)).toHaveLength(41);
  });
});
