/**
 * The canonical CSV's serializer against the papaparse 5.7.1 `unparse` call it replaced, kept here as
 * the oracle. The CSV's bytes feed the content hash, so the two must agree on every input, not just on
 * sensible ones: a single byte written differently would republish every dataset.
 */
import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { csvHeader, csvLines, renderCsv } from '../../lambda/core/canonical.js';
import type { ColumnType } from '../../lambda/core/coerce.js';
import { escapeFormula } from '../../lambda/core/formula.js';
import type { Column, Row } from '../../lambda/core/row-schema.js';

/** The implementation before the specialised serializer, verbatim but for the names. */
const UNPARSE = { newline: '\n', quotes: false, header: false } as const;

function papaCellText(value: string | number | boolean | undefined, isText: boolean): string {
  if (value === undefined) return '';
  return isText ? escapeFormula(String(value)) : String(value);
}

function papaHeader(columns: readonly Column[]): string {
  return `${Papa.unparse([columns.map((column) => column.name)], UNPARSE)}\n`;
}

function papaLines(columns: readonly Column[], rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const fields = columns.map((column) => column.name);
  const text = columns.map((column) => column.type === 'string');
  const data = rows.map((row) => fields.map((name, index) => papaCellText(row[name], text[index] === true)));
  return `${Papa.unparse(data, UNPARSE)}\n`;
}

/**
 * Pieces that matter to CSV quoting or formula escaping, or to how text is stored: the quote, the
 * delimiter, every line break, spaces and tabs (papaparse quotes a leading or trailing space, not a
 * tab), a byte order mark, formula prefixes, Cyrillic, ə, emoji and lone surrogates.
 */
const PIECES = [
  '"',
  '""',
  ',',
  '\r',
  '\n',
  '\r\n',
  ' ',
  '\t',
  '\u00a0',
  '\uFEFF',
  '=',
  '+',
  '-',
  '@',
  "'",
  ';',
  'a',
  'Z',
  '0',
  '1.5',
  'Алматы',
  'ə',
  'Şəki',
  '😀',
  '🇦🇿',
  '\uD83D',
  '\uDE00',
  'in 2001 - 79.19 million dollars',
];
const adversarialText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '"', ',', '\n', '\uFEFF', '=1+1', '\t', ' x ') },
);

const integers = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 2 ** 53, -(2 ** 53), 1e21, -1e21, 1e300, Number.MAX_VALUE),
);
const numbers = fc.oneof(
  fc.double({ noNaN: true }),
  integers,
  fc.constantFrom(-0, 1e21, 5e-7, 1e-7, -5e-7, 0.1, 142.1, Number.MIN_VALUE, Infinity, -Infinity),
);
const dates = fc.oneof(
  fc.constantFrom('2016-02-29', '2016-21', '201X', '2016/2017', '2016-12-30'),
  adversarialText,
);

const VALUES: Record<ColumnType, fc.Arbitrary<string | number | boolean>> = {
  string: adversarialText,
  integer: integers,
  number: numbers,
  boolean: fc.boolean(),
  date: dates,
};

/** A value of any type, for the odd cell whose type is not its column's (the types allow it). */
const anyValue = fc.oneof(adversarialText, numbers, fc.boolean());

const columnArb = fc.record({
  name: fc.oneof(adversarialText, fc.constantFrom('id', 'year', 'constructor', 'toString', '__proto__')),
  type: fc.constantFrom<ColumnType>('string', 'integer', 'number', 'boolean', 'date'),
  required: fc.boolean(),
});

/** Columns with unique names, and rows of values for them (absent cells only where not required). */
const table = fc
  .uniqueArray(columnArb, { maxLength: 6, selector: (column) => column.name })
  .chain((specs) => {
    const columns: Column[] = specs.map((spec) => ({ ...spec, schema: {} }));
    const cell = (column: Column) => {
      const value = fc.oneof(
        { weight: 9, arbitrary: VALUES[column.type] },
        { weight: 1, arbitrary: anyValue },
      );
      return column.required ? value : fc.option(value, { nil: undefined, freq: 3 });
    };
    // Object.fromEntries makes even `__proto__` an ordinary own key, as a parsed row would have it.
    const row = fc
      .tuple(...columns.map(cell))
      .map((values): Row =>
        Object.fromEntries(
          columns.flatMap((column, index) =>
            values[index] === undefined ? [] : [[column.name, values[index]] as const],
          ),
        ),
      );
    return fc.tuple(fc.constant(columns), fc.array(row, { maxLength: 12 }));
  });

describe('canonical CSV serializer', () => {
  it('writes the same text as papaparse 5.7.1 unparse did, for header, lines and whole files', () => {
    fc.assert(
      fc.property(table, ([columns, rows]) => {
        expect(csvHeader(columns)).toBe(papaHeader(columns));
        expect(csvLines(columns, rows)).toBe(papaLines(columns, rows));
        expect(renderCsv(columns, rows)).toBe(papaHeader(columns) + papaLines(columns, rows));
      }),
      { numRuns: 2000, seed: 20_261_205 },
    );
  });

  it("keeps papaparse's surprising cases", () => {
    const column = (name: string, type: ColumnType = 'string'): Column => ({
      name,
      type,
      required: false,
      schema: {},
    });
    const one = [column('a')];
    const cases: { columns: Column[]; rows: Row[] }[] = [
      // A row whose only field is empty is an empty line, not `""`.
      { columns: one, rows: [{}, { a: '' }, { a: 'x' }] },
      // A leading or trailing space is quoted, a tab or a no-break space is not.
      {
        columns: [column('a', 'date')],
        rows: [{ a: ' x' }, { a: 'x ' }, { a: '\tx' }, { a: 'x\t' }, { a: '\u00a0' }],
      },
      // A byte order mark anywhere in a field quotes it.
      { columns: one, rows: [{ a: 'a\uFEFFb' }] },
      // Formula escaping comes first; the escaped text is then quoted by the usual rules.
      { columns: one, rows: [{ a: '\rx' }, { a: '=a,b' }, { a: ' =x' }, { a: -5 }] },
      // No columns: one empty line per row.
      { columns: [], rows: [{}, {}] },
    ];
    for (const { columns, rows } of cases)
      expect(renderCsv(columns, rows)).toBe(papaHeader(columns) + papaLines(columns, rows));
    expect(renderCsv(one, [{}, { a: '' }, { a: 'x' }])).toBe('a\n\n\nx\n');
    expect(renderCsv([], [{}, {}])).toBe('\n\n\n');
  });
});
