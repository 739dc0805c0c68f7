import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../lambda/core/csv-records.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { cutBytes } from '../support/byte-pieces.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { briefIssue } from '../support/issue-brief.js';

/*
 * Where an issue in a CSV is reported, checked against an oracle that knows where it put the fault.
 *
 * The contract (issue.ts, docs/validation.md, the cases of validate.test.ts): an issue about a data row
 * is at the 1-based line on which its record starts, counting every line break before it (LF, CRLF and
 * a lone CR each end a line, those inside quoted cells included, as an editor shows them), and at the
 * 1-based position of the cell in the record (the spreadsheet column, not a character offset); `field`
 * names the cell's column. A whole-row issue points at a cell: a repeated key at its first key column,
 * a short row where it ends, a long row at its first cell past the header.
 */

const COLUMNS = ['id', 'n', 'x', 'note'] as const;
const SCHEMA = {
  ...FIXTURE_SCHEMA,
  properties: {
    id: { type: 'string' },
    n: { type: 'integer' },
    x: { type: 'number' },
    note: { type: 'string' },
  },
  required: ['id', 'n', 'x'],
};
const DESCRIPTOR = {
  ...FIXTURE_DESCRIPTOR,
  primaryKey: ['id'],
  columns: COLUMNS.map((name) => ({ name, description: `The ${name} column.` })),
};

/** Text as a file stream gives it, 64 KiB at a time. */
async function* inPieces(text: string): AsyncGenerator<string> {
  for (let start = 0; start < text.length; start += 65_536) yield text.slice(start, start + 65_536);
}

/** A cell as the user typed it, before the file's quoting. */
type Cell = string;
interface Row {
  readonly cells: readonly Cell[];
}

/** Text a curator writes: letters, digits, Cyrillic, Azerbaijani, emoji, commas, quotes and line breaks. */
const piece = fc.constantFrom(
  'a',
  'Q',
  '7',
  ' ',
  ',',
  '"',
  'ə',
  'Ş',
  'Жд',
  'ğ',
  '😀',
  '🇦🇿',
  '\n',
  '\r\n',
  '\r',
);
/** Never starts with a character a spreadsheet would run as a formula, nor with a space or line break. */
const text = fc
  .tuple(fc.constantFrom('a', 'b', 'ə', 'Ж', '😀', 'z'), fc.array(piece, { maxLength: 6 }))
  .map(([first, rest]) => first + rest.join(''));
const integer = fc.integer({ min: -100_000, max: 100_000 }).map(String);
const number = fc
  .tuple(fc.integer({ min: -9999, max: 9999 }), fc.integer({ min: 0, max: 99 }))
  .map(([whole, cents]) => (cents === 0 ? String(whole) : `${whole}.${cents}`));
const row = fc
  .tuple(text, integer, number, fc.option(text, { nil: '' }))
  .map(([id, n, x, note]) => ({ cells: [id, n, x, note] }));

type Fault =
  | { kind: 'type'; row: number; column: 1 | 2; value: string }
  | { kind: 'duplicate-key'; row: number; of: number }
  | { kind: 'extra-cell'; row: number }
  | { kind: 'missing-cell'; row: number; keep: 1 | 2 | 3 }
  | { kind: 'quote'; row: number; column: number; how: 'stray' | 'unclosed' }
  | { kind: 'encoding'; row: number; column: number; at: number; byte: 0xe9 | 0xff };

const fault = (rows: number): fc.Arbitrary<Fault> => {
  const at = fc.nat({ max: rows - 1 });
  return fc.oneof(
    fc.record({
      kind: fc.constant('type' as const),
      row: at,
      column: fc.constantFrom(1 as const, 2 as const),
      value: fc.constantFrom('abc', '12,5', 'ə', '1 000', '5😀'),
    }),
    ...(rows > 1
      ? [
          fc
            .tuple(fc.integer({ min: 1, max: rows - 1 }), fc.nat())
            .map(([at, of]): Fault => ({ kind: 'duplicate-key', row: at, of: of % at })),
        ]
      : []),
    fc.record({ kind: fc.constant('extra-cell' as const), row: at }),
    fc.record({
      kind: fc.constant('missing-cell' as const),
      row: at,
      keep: fc.constantFrom(1 as const, 2 as const, 3 as const),
    }),
    fc.record({
      kind: fc.constant('quote' as const),
      row: at,
      column: fc.nat({ max: COLUMNS.length - 1 }),
      how: fc.constantFrom('stray' as const, 'unclosed' as const),
    }),
    fc.record({
      kind: fc.constant('encoding' as const),
      row: at,
      column: fc.nat({ max: COLUMNS.length - 1 }),
      at: fc.nat(),
      // "é" as Latin-1 and Windows-1252 write it, and a byte no UTF-8 text has.
      byte: fc.constantFrom(0xe9 as const, 0xff as const),
    }),
  );
};

/**
 * Where an encoding fault goes: a character of the private use area, which the test alone writes, whose
 * UTF-8 bytes are then replaced by the one bad byte ({@link withBadByte}).
 */
const BAD_BYTE_MARK = '\uE000';
const MARK_BYTES = [...new TextEncoder().encode(BAD_BYTE_MARK)];

/** The file's bytes, with the mark's bytes replaced by `byte`: every byte before it is as written. */
function withBadByte(text: string, byte: number | undefined): Uint8Array {
  const bytes = [...new TextEncoder().encode(text)];
  if (byte === undefined) return Uint8Array.from(bytes);
  const at = bytes.findIndex((_, i) => MARK_BYTES.every((mark, k) => bytes[i + k] === mark));
  bytes.splice(at, MARK_BYTES.length, byte);
  return Uint8Array.from(bytes);
}

/** Quotes a cell when it must be (or, at random, when it need not). */
function quote(cell: Cell, always: boolean): string {
  return always || /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** Line breaks in `text` as an editor counts them: CRLF once, a lone CR or LF once each. */
function lineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

interface Expected {
  readonly code: string;
  readonly line: number;
  readonly column: number;
  readonly field: string | undefined;
}

/** The file's text and, from how it was written, where the fault is. */
function build(
  rows: readonly Row[],
  fault: Fault,
  eol: string,
  bom: boolean,
  quoted: readonly boolean[],
): { text: string; expected: Expected } {
  let text = (bom ? '\uFEFF' : '') + COLUMNS.join(',') + eol;
  let expected: Expected | undefined;
  rows.forEach((row, index) => {
    const cells = row.cells.map((cell, column) =>
      quote(cell, quoted[(index + column) % quoted.length] ?? false),
    );
    const line = 1 + lineBreaks(text);
    if (index === fault.row) {
      switch (fault.kind) {
        case 'type':
          cells[fault.column] = quote(fault.value, false);
          expected = { code: 'type-error', line, column: fault.column + 1, field: COLUMNS[fault.column] };
          break;
        case 'duplicate-key':
          cells[0] = quote(rows[fault.of]?.cells[0] ?? '', false);
          expected = { code: 'primary-key', line, column: 1, field: 'id' };
          break;
        case 'extra-cell':
          cells.push('surplus');
          expected = { code: 'extra-cell', line, column: COLUMNS.length + 1, field: undefined };
          break;
        case 'missing-cell':
          cells.length = fault.keep;
          expected = { code: 'missing-cell', line, column: fault.keep + 1, field: undefined };
          break;
        case 'quote': {
          const cell = row.cells[fault.column]?.replaceAll('"', '""') ?? '';
          cells[fault.column] = fault.how === 'stray' ? `"${cell}"x` : `"${cell}`;
          expected = { code: 'parse-error', line, column: fault.column + 1, field: COLUMNS[fault.column] };
          break;
        }
        case 'encoding': {
          // The bad byte anywhere in the cell as typed, a line break of a quoted cell before it or not. The
          // decoder places it as an editor does: its own line, and its place in that line in UTF-16 code units.
          const typed = row.cells[fault.column] ?? '';
          const at = fault.at % (typed.length + 1);
          const marked = `${typed.slice(0, at)}${BAD_BYTE_MARK}${typed.slice(at)}`;
          cells[fault.column] = quote(marked, quoted[(index + fault.column) % quoted.length] ?? false);
          const before = text + cells.join(',').split(BAD_BYTE_MARK)[0];
          const lastBreak = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
          expected = {
            code: 'encoding-error',
            line: 1 + lineBreaks(before),
            column: before.length - lastBreak,
            field: COLUMNS[fault.column],
          };
          break;
        }
      }
    }
    text += cells.join(',') + eol;
  });
  if (expected === undefined) throw new Error('the fault is past the last row');
  return { text, expected };
}

/** The rows, with ids made distinct (the only fault is the one injected). */
const table = fc
  .array(row, { minLength: 1, maxLength: 6 })
  .map((rows) => rows.map((row, index) => ({ cells: [`${row.cells[0]}${index}`, ...row.cells.slice(1)] })));

describe('where a problem in a CSV is reported', () => {
  it('is the line its record starts on and the column of its cell, however the file is written', async () => {
    await fc.assert(
      fc.asyncProperty(
        table.chain((rows) => fc.tuple(fc.constant(rows), fault(rows.length))),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async ([rows, fault], eol, bom, quoted, cuts) => {
          const { text, expected } = build(rows, fault, eol, bom, quoted);
          const csv = cutBytes(withBadByte(text, fault.kind === 'encoding' ? fault.byte : undefined), cuts);

          const { report } = await validateDataset(
            fixtureSource({ csv, schema: SCHEMA, descriptor: DESCRIPTOR }),
          );

          expect(report.issues.length).toBeGreaterThan(0);
          for (const issue of report.issues) {
            expect(issue.file).toBe('data/sample.csv');
            expect(briefIssue(issue)).toEqual(expected);
          }
          // Only a quoting error may be told twice, each time differently (a stray quote, then a field never closed).
          if (expected.code !== 'parse-error') expect(report.issues).toHaveLength(1);
          expect(new Set(report.issues.map((issue) => issue.message)).size).toBe(report.issues.length);
        },
      ),
      {
        numRuns: 300,
        // A file of CR lines whose first row begins with a byte that is no UTF-8: the line ending was still
        // being decided (CR or CRLF) when the byte came, and the header was never read, so no cell was named.
        examples: [
          [
            [
              [{ cells: ['z0', '-37346', '8414.6', '😀'] }],
              { kind: 'encoding', row: 0, column: 0, at: 0, byte: 233 },
            ],
            '\r',
            false,
            [false],
            [],
          ],
        ],
      },
    );
  });

  it('reads a record with many quoting problems once, and still names the cell', async () => {
    // 100,000 doubled quotes in one cell, then 100,000 stray ones in the next: counting the cells before
    // each stray quote from the start of the record made this a minute's work (n × m); it is one pass.
    const doubled = `"${'""'.repeat(100_000)}"`;
    const stray = `"${'x"'.repeat(100_000)}`;
    const csv = `${COLUMNS.join(',')}\n${doubled},${stray},1,\n`;
    const problems = [];
    for await (const record of readCsvRecords(inPieces(csv))) problems.push(...record.problems);
    expect(problems.map((problem) => problem.fieldIndex)).toEqual([1]);
  });
});
