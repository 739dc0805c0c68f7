import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../lambda/core/csv-records.js';
import { canonicalizeDataset } from '../../lambda/core/canonical.js';
import { LIMIT_CEILINGS } from '../../lambda/core/limits.js';
import { decodeUtf8Strict } from '../../lambda/core/utf8.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { REPO_ROOT } from '../support/workspace.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/hostile');
const SPECTRUM = path.join(REPO_ROOT, 'node_modules/csv-spectrum');

// Free text in `kind` and any sign in `value_musd`, so that only the hostile bytes can fail.
const SCHEMA = {
  ...FIXTURE_SCHEMA,
  properties: { ...FIXTURE_SCHEMA.properties, value_musd: { type: 'number' }, kind: { type: 'string' } },
};

async function validateFile(name: string, descriptor: unknown = FIXTURE_DESCRIPTOR) {
  const bytes = await readFile(path.join(FIXTURES, name));
  return validateDataset(fixtureSource({ csv: [bytes], schema: SCHEMA, descriptor }));
}

/** Data records an independent, whole-string parse of the file finds (for the no-silent-loss check). */
function independentRecordCount(bytes: Buffer): number {
  const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
  if (text === '') return 0;
  const records = Papa.parse<string[]>(text, { delimiter: ',' }).data;
  const last = records.at(-1);
  // A final line break ends the last record; it does not start an empty one.
  if (/[\r\n]$/.test(text) && last?.length === 1 && last[0] === '') records.pop();
  return Math.max(0, records.length - 1);
}

type Expected = { valid: true; rows: number } | { code: string; line: number; column: number };

describe('hostile and malformed CSV', () => {
  it.each<[string, Expected]>([
    ['empty.csv', { code: 'missing-header', line: 1, column: 1 }],
    // A header alone is refused by default (limits.minRows is 1): test/checks/hints.test.ts has minRows 0.
    ['header-only.csv', { code: 'limit-exceeded', line: 2, column: 1 }],
    ['bom.csv', { valid: true, rows: 1 }],
    ['lf.csv', { valid: true, rows: 2 }],
    ['crlf.csv', { valid: true, rows: 2 }],
    ['cr.csv', { valid: true, rows: 2 }],
    ['no-final-newline.csv', { valid: true, rows: 2 }],
    ['unclosed-quote.csv', { code: 'parse-error', line: 3, column: 2 }],
    ['stray-quote.csv', { code: 'parse-error', line: 2, column: 6 }],
    ['quote-inside-unquoted.csv', { valid: true, rows: 1 }],
    ['too-few-fields.csv', { code: 'missing-cell', line: 2, column: 4 }],
    ['too-many-fields.csv', { code: 'extra-cell', line: 2, column: 7 }],
    ['blank-rows.csv', { code: 'blank-row', line: 2, column: 1 }],
    ['duplicate-headers.csv', { code: 'duplicate-header', line: 1, column: 7 }],
    ['blank-header.csv', { code: 'blank-header', line: 1, column: 3 }],
    ['proto-headers.csv', { code: 'extra-header', line: 1, column: 7 }],
    ['windows-1251.csv', { code: 'encoding-error', line: 3, column: 16 }],
    ['latin-1.csv', { code: 'encoding-error', line: 2, column: 22 }],
    ['nul-byte.csv', { code: 'control-character', line: 2, column: 6 }],
    ['thousands-separator.csv', { code: 'type-error', line: 2, column: 3 }],
    ['decimal-comma.csv', { code: 'type-error', line: 2, column: 3 }],
    ['nan.csv', { code: 'type-error', line: 2, column: 3 }],
    ['infinity.csv', { code: 'type-error', line: 2, column: 3 }],
    ['impossible-date.csv', { code: 'type-error', line: 2, column: 5 }],
    ['padded-number.csv', { code: 'type-error', line: 2, column: 3 }],
    ['formula.csv', { code: 'formula-prefix', line: 2, column: 6 }],
    ['negative-number.csv', { valid: true, rows: 1 }],
  ])('%s', async (name, expected) => {
    const bytes = await readFile(path.join(FIXTURES, name));

    const { report, dataset } = await validateFile(name);

    if ('valid' in expected) {
      expect(report.issues).toEqual([]);
      expect(dataset?.rows).toHaveLength(expected.rows);
    } else {
      expect(report.valid).toBe(false);
      expect(report.issues[0]).toMatchObject(expected);
      expect(report.issues[0]?.message.length).toBeGreaterThan(10);
    }
    // No silent loss: every record read is either accepted or reported.
    expect(report.rows - report.invalidRows).toBe(dataset?.rows.length ?? report.rows - report.invalidRows);
    if (!name.includes('1251') && !name.includes('latin'))
      expect(report.rows).toBe(independentRecordCount(bytes));
  });

  it('covers every fixture file', async () => {
    const files = (await readdir(FIXTURES)).filter((file) => file.endsWith('.csv'));
    expect(files).toHaveLength(27);
  });

  it('reads LF, CRLF, CR and unterminated files to identical rows', async () => {
    const rows = await Promise.all(
      ['lf.csv', 'crlf.csv', 'cr.csv', 'no-final-newline.csv'].map(
        async (name) => (await validateFile(name)).dataset?.rows,
      ),
    );

    for (const other of rows.slice(1)) expect(other).toEqual(rows[0]);
  });

  it('names the byte offset of bytes that are not UTF-8', async () => {
    const { report } = await validateFile('windows-1251.csv');

    expect(report.issues[0]?.message).toContain('byte offset 78');
  });

  it('reports every blank row', async () => {
    const { report } = await validateFile('blank-rows.csv');

    expect(report.issues.map((issue) => [issue.code, issue.line])).toEqual([
      ['blank-row', 2],
      ['blank-row', 4],
      ['blank-row', 5],
    ]);
    expect(report.invalidRows).toBe(3);
  });

  it('treats __proto__, constructor and toString as plain names and leaves Object.prototype alone', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const { report } = await validateFile('proto-headers.csv');

    expect(report.issues.map((issue) => [issue.code, issue.field])).toEqual([
      ['extra-header', '__proto__'],
      ['extra-header', 'constructor'],
      ['extra-header', 'toString'],
    ]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('accepts columns named constructor and toString when the schema declares them', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { id: { type: 'string' }, constructor: { type: 'integer' }, toString: { type: 'string' } },
      required: ['id'],
    };
    const descriptor = {
      ...FIXTURE_DESCRIPTOR,
      columns: ['id', 'constructor', 'toString'].map((name) => ({
        name,
        description: `The ${name} column.`,
      })),
    };

    const { report, dataset } = await validateDataset(
      fixtureSource({ csv: 'id,constructor,toString\na,7,x\n', schema, descriptor }),
    );

    expect(report.issues).toEqual([]);
    expect(Object.entries(dataset?.rows[0] ?? {})).toEqual([
      ['id', 'a'],
      ['constructor', 7],
      ['toString', 'x'],
    ]);
  });

  it('refuses a schema column named __proto__, which JSON Schema validators cannot check', async () => {
    const schemaText = JSON.stringify(FIXTURE_SCHEMA).replace('"day":', '"__proto__":');

    const { report } = await validateDataset(fixtureSource({ schema: JSON.parse(schemaText) }));

    expect(report.issues.map((issue) => [issue.code, issue.field])).toContainEqual([
      'schema-error',
      '/properties/__proto__',
    ]);
  });

  it('rejects a 10 MB cell by the default field limit and reads it exactly when the limit allows', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const csv = `id,year,value_musd,flagged,day,kind\na,2001,1,false,,${big}\n`;

    const limited = await validateDataset(fixtureSource({ csv, schema: SCHEMA }));
    const allowed = await validateDataset(
      fixtureSource({
        csv,
        schema: SCHEMA,
        descriptor: { ...FIXTURE_DESCRIPTOR, limits: { maxFieldLength: LIMIT_CEILINGS.maxFieldLength } },
      }),
    );

    expect(limited.report.issues.map((issue) => [issue.code, issue.line, issue.column])).toEqual([
      ['limit-exceeded', 2, 6],
    ]);
    // Reading stops inside the cell (the file arrives in parts), so the report quotes none of its 10 MB.
    expect(limited.report.issues[0]).toMatchObject({
      field: 'kind',
      message: expect.stringContaining('limits.maxFieldLength') as string,
    });
    expect(JSON.stringify(limited.report).length).toBeLessThan(2_000);
    expect(allowed.report.issues).toEqual([]);
    expect(allowed.dataset?.rows[0]?.kind).toBe(big);
  });

  it('rejects a million-column line by the column limit without exhausting memory', async () => {
    const csv = `id,year,value_musd,flagged,day,kind\n${'x,'.repeat(1_000_000)}x\n`;

    const { report } = await validateDataset(fixtureSource({ csv, schema: SCHEMA }));

    expect(report.issues.map((issue) => [issue.code, issue.line, issue.column])).toEqual([
      ['limit-exceeded', 2, 1001],
    ]);
  });

  it('stops at the file size and row limits with a clear error', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `r${i},2001,1,false,,turnover`);
    const csv = ['id,year,value_musd,flagged,day,kind', ...rows, ''].join('\n');

    const bySize = await validateDataset(
      fixtureSource({
        csv,
        schema: SCHEMA,
        descriptor: { ...FIXTURE_DESCRIPTOR, limits: { maxFileBytes: 200 } },
      }),
    );
    const byRows = await validateDataset(
      fixtureSource({ csv, schema: SCHEMA, descriptor: { ...FIXTURE_DESCRIPTOR, limits: { maxRows: 10 } } }),
    );

    expect(bySize.report.issues.map((issue) => issue.code)).toEqual(['limit-exceeded']);
    expect(bySize.report.issues[0]?.message).toContain('larger than the limit of 200 bytes');
    expect(byRows.report.issues.map((issue) => [issue.code, issue.line])).toEqual([['limit-exceeded', 12]]);
    expect(byRows.report.rows).toBe(10);
  });

  it('lets a column opt in to formula-like text, and then publishes it escaped', async () => {
    const schema = {
      ...SCHEMA,
      properties: { ...SCHEMA.properties, kind: { type: 'string', allowFormulaPrefix: true } },
    };
    const csv = 'id,year,value_musd,flagged,day,kind\na,2001,-5,false,,=1+1\nb,2002,2,false,,@home\n';

    const { report, dataset } = await validateDataset(fixtureSource({ csv, schema }));
    if (dataset === undefined) throw new Error(JSON.stringify(report.issues));
    const published = new TextDecoder().decode(canonicalizeDataset(dataset).csv);

    expect(dataset.rows.map((row) => row.kind)).toEqual(['=1+1', '@home']);
    expect(published).toBe(
      "id,year,value_musd,flagged,day,kind\na,2001,-5,false,,'=1+1\nb,2002,2,false,,'@home\n",
    );
  });
});

/**
 * The corpus's own expectation for location_coordinates is wrong: its JSON is a bare object (not an array) and
 * gives the phone number as 1234567890 while the CSV holds 2095257564. We compare with what the CSV says.
 */
const EXPECTED_FIXES: Record<string, Record<string, string>[]> = {
  location_coordinates: [
    {
      'Contact Phone Number': '2095257564',
      'Location Coordinates': '37\uFFFD36\'37.8"N 121\uFFFD2\'17.9"W',
      Cities: 'Modesto',
      Counties: 'Stanislaus',
    },
  ],
};

describe('csv-spectrum', () => {
  it.each([
    'comma_in_quotes',
    'empty',
    'empty_crlf',
    'escaped_quotes',
    'json',
    'location_coordinates',
    'newlines',
    'newlines_crlf',
    'quotes_and_newlines',
    'simple',
    'simple_crlf',
    'utf8',
  ])('%s parses to its expected JSON', async (name) => {
    const bytes = await readFile(path.join(SPECTRUM, 'csvs', `${name}.csv`));
    const expected =
      EXPECTED_FIXES[name] ??
      (JSON.parse(await readFile(path.join(SPECTRUM, 'json', `${name}.json`), 'utf8')) as Record<
        string,
        string
      >[]);
    const records: string[][] = [];

    for await (const record of readCsvRecords(
      decodeUtf8Strict(
        (async function* () {
          yield bytes;
        })(),
      ),
    )) {
      expect(record.problems).toEqual([]);
      records.push([...record.fields]);
    }

    const [header = [], ...rows] = records;
    expect(rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])))).toEqual(expected);
  });
});
