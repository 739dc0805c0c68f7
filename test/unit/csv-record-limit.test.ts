import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readCsvRecordBatches,
  RecordTooLongError,
  TooManyFieldsError,
  type CsvReadOptions,
  type CsvRecord,
} from '../../lambda/core/csv-records.js';
import { textPieces } from '../support/text-pieces.js';

/** The records read (those handed over before a stop included) and the error reading stopped with, if any. */
async function read(
  text: string,
  cuts: readonly number[],
  options: CsvReadOptions = {},
): Promise<{ records: CsvRecord[]; stop?: RecordTooLongError | TooManyFieldsError }> {
  const records: CsvRecord[] = [];
  try {
    for await (const batch of readCsvRecordBatches(textPieces(text, cuts), options)) records.push(...batch);
    return { records };
  } catch (error) {
    if (error instanceof RecordTooLongError || error instanceof TooManyFieldsError)
      return { records, stop: error };
    throw error;
  }
}

/** A cell as written in the file: plain, long, or quoted with commas, quotes and line breaks inside. */
const cell = fc.oneof(
  fc.stringMatching(/^[a-z ]{0,12}$/),
  fc.nat(60).map((length) => 'x'.repeat(length)),
  fc
    .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', 'ə'), maxLength: 12 })
    .map((text) => `"${text.replaceAll('"', '""')}"`),
);
/** Rows of cells as written, and the file: a header of plain names first, so its line break names the file's. */
const table = fc
  .tuple(
    fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
    fc.constantFrom('\n', '\r\n', '\r'),
  )
  .map(([rows, end]) => ({
    rows: [['h'], ...rows],
    text: ['h', ...rows.map((row) => row.join(','))].join(end) + end,
  }));

/** The index of the cell of `row` (cells as written) that the character at `at` of its text is in (a comma: the cell it ends). */
function cellAt(row: readonly string[], at: number): number {
  let end = -1;
  for (const [index, text] of row.entries()) {
    end += 1 + text.length;
    if (end >= at) return index;
  }
  return row.length - 1;
}

describe('reading a CSV with a record limit', () => {
  it('stops at the first record longer than the limit, at its line and the cell the limit falls in, however the text is cut, and never otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.nat(150),
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        fc.array(fc.nat(), { maxLength: 30 }),
        async ({ rows, text }, max, maxColumns, cuts) => {
          const whole = await read(text, []);
          expect(whole.records).toHaveLength(rows.length);
          const limited = await read(text, cuts, { maxRecordLength: max, maxColumns });
          const stops = rows.map((row) => {
            const long = row.join(',').length > max;
            const wide = maxColumns !== undefined && row.length > maxColumns;
            if (!long) return wide ? 'wide' : undefined;
            // Its fields passed their limit before its text did: stopped for them.
            const at = cellAt(row, max);
            return maxColumns !== undefined && at >= maxColumns ? 'wide' : at;
          });
          const first = stops.findIndex((stop) => stop !== undefined);
          if (first === -1) {
            // Not stopped: the same records as without a limit.
            expect(limited.stop).toBeUndefined();
            expect(limited.records).toEqual(whole.records);
            return;
          }
          const line = whole.records[first]?.line;
          const stop = stops[first];
          expect(limited.stop).toBeInstanceOf(stop === 'wide' ? TooManyFieldsError : RecordTooLongError);
          expect(limited.stop).toMatchObject(
            stop === 'wide' ? { line, maxColumns } : { line, fieldIndex: stop, maxRecordLength: max },
          );
          // Every record before it was handed over, as read without a limit.
          expect(limited.records).toEqual(whole.records.slice(0, first));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stops a record that never ends while it arrives, within a quarter of the limit past it', async () => {
    const max = 100_000;
    let given = 0;
    // Cells each far within a cell limit, more of them than a field limit would let by without counting.
    async function* endless(prefix: string): AsyncGenerator<string> {
      given = prefix.length;
      yield prefix;
      for (;;) {
        given += 1000;
        yield `${'y'.repeat(999)},`;
      }
    }
    for (const [prefix, line, fieldIndex] of [
      ['id,name\n', 2, 100],
      ['id,name\r\na,"x\r\ny",', 2, 101],
    ] as const) {
      const error = await (async () => {
        const options = { maxRecordLength: max, maxFieldLength: 1000, maxColumns: 1000 };
        for await (const batch of readCsvRecordBatches(endless(prefix), options)) void batch;
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RecordTooLongError);
      expect(error).toMatchObject({ line, fieldIndex, maxRecordLength: max });
      expect((error as Error).message).toBe(
        'record is more than 100000 characters long, the limit (limits.maxRecordLength); reading stopped here',
      );
      expect(given).toBeLessThan(1.25 * max + 20_000);
    }
  });
});
