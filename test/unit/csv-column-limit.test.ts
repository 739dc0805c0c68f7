import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvRecordBatches, TooManyFieldsError, type CsvRecord } from '../../lambda/core/csv-records.js';
import { textPieces } from '../support/text-pieces.js';

/** The records read (those handed over before a stop included) and the error reading stopped with, if any. */
async function read(
  text: string,
  cuts: readonly number[],
  maxColumns?: number,
): Promise<{ records: CsvRecord[]; stop?: TooManyFieldsError }> {
  const records: CsvRecord[] = [];
  try {
    const options = maxColumns === undefined ? {} : { maxColumns };
    for await (const batch of readCsvRecordBatches(textPieces(text, cuts), options)) records.push(...batch);
    return { records };
  } catch (error) {
    if (error instanceof TooManyFieldsError) return { records, stop: error };
    throw error;
  }
}

/**
 * A cell: plain or empty; quoted, with commas, quotes and line breaks inside, and sometimes white space
 * after its closing quote (a CR or LF there is padding to papaparse unless it is the file's line break);
 * now and then a stray quote.
 */
const cell = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z ]{0,6}$/), weight: 4 },
  {
    arbitrary: fc
      .tuple(
        fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', '\r'), maxLength: 8 }),
        fc.constantFrom('', '', '', ' ', '\r', '\n', ' \r', '\t'),
      )
      .map(([text, pad]) => `"${text.replaceAll('"', '""')}"${pad}`),
    weight: 3,
  },
  { arbitrary: fc.constantFrom('a"b', '"a"b', '"a'), weight: 1 },
);
const csv = fc
  .array(fc.array(cell, { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 6 })
  .chain((rows) =>
    fc
      .constantFrom('\n', '\r\n', '\r')
      .chain((end) =>
        fc.boolean().map((last) => rows.map((row) => row.join(',')).join(end) + (last ? end : '')),
      ),
  );

describe('reading a CSV with a column limit', () => {
  it('stops at the first record with more fields than the limit, at its line, however the text is cut, and never otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        csv,
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (text, max, cuts) => {
          const whole = await read(text, []);
          const wide = whole.records.findIndex((record) => record.fields.length > max);
          const limited = await read(text, cuts, max);
          if (wide === -1) {
            // Not stopped: the same records as without a limit.
            expect(limited.stop).toBeUndefined();
            expect(limited.records).toEqual(whole.records);
            return;
          }
          expect(limited.stop, `stopped at line ${whole.records[wide]?.line}`).toBeInstanceOf(
            TooManyFieldsError,
          );
          expect(limited.stop).toMatchObject({ line: whole.records[wide]?.line, maxColumns: max });
          // Every record before it was handed over, as read without a limit.
          expect(limited.records).toEqual(whole.records.slice(0, wide));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stops a record that never ends soon after its field past the limit, as papaparse reads its quotes', async () => {
    const max = 1000;
    /** The prefix, then commas, 100 at a time, up to twice `within`: a reader that misses them ends. */
    let given = 0;
    async function* endless(prefix: string, within: number): AsyncGenerator<string> {
      given = prefix.length;
      yield prefix;
      while (given < 2 * within) {
        given += 100;
        yield ','.repeat(100);
      }
    }
    for (const [prefix, line, within] of [
      ['id,name\n1,a,1', 2, 1500],
      // Commas inside quotes are no fields; a closing quote followed by white space then a comma closes.
      ['id,name\n"a,b,c,d", ,"x"" , y"', 2, 1500],
      // In an LF file a CR between a closing quote and a comma is white space to papaparse.
      ['id,name\n"a"\r', 2, 1500],
      ['id,name\r\n"a"\n', 2, 1500],
      ['id,name\r\n"a"\r\n"b"', 3, 1500],
      // A quoted cell with a line break inside: the record's first line.
      ['id,name\r\n"x\r\ny",', 2, 1500],
      // A stray quote: the cell goes on to a quote followed by a comma.
      ['id,name\n"a"b,"c",', 2, 1500],
      // No line break yet: the reader looks 4 MiB ahead for one before it parses.
      ['', 1, 4 * 1024 ** 2 + 1500],
    ] as const) {
      const error = await (async () => {
        for await (const batch of readCsvRecordBatches(endless(prefix, within), { maxColumns: max }))
          void batch;
      })().catch((caught: unknown) => caught);
      expect(error, JSON.stringify(prefix)).toBeInstanceOf(TooManyFieldsError);
      expect(error, JSON.stringify(prefix)).toMatchObject({ line, maxColumns: max });
      expect(given, JSON.stringify(prefix)).toBeLessThan(within);
    }
  });
});
