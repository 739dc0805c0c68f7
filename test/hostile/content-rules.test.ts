import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forbiddenCharacter } from '../../lambda/core/text-rules.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { cli } from '../support/workspace.js';
import { hostileWorkspace, publishAll, publishedDatasetFiles } from './hostile-workspace.js';

const HYPERLINK = '=HYPERLINK("https://evil.example/","x")';
/** RIGHT-TO-LEFT OVERRIDE … POP DIRECTIONAL FORMATTING: a page shows "0001" as "1000". */
const REVERSED = '\u202e0001\u202c';

/** The fixture with its `kind` column renamed, in the schema and the descriptor alike. */
function renamedKind(name: string) {
  const { kind, ...others } = FIXTURE_SCHEMA.properties;
  return {
    schema: {
      ...FIXTURE_SCHEMA,
      properties: { ...others, [name]: kind },
      required: ['id', 'year', 'flagged'],
    },
    descriptor: {
      ...FIXTURE_DESCRIPTOR,
      columns: FIXTURE_DESCRIPTOR.columns.map((column) =>
        column.name === 'kind' ? { ...column, name } : column,
      ),
    },
    csv: `id,year,value_musd,flagged,day,${csvField(name)}\nt-2001,2001,106.1,false,,turnover\n`,
  };
}

/** The name as one CSV field: quoted, with its quotes doubled. */
function csvField(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

describe('column names follow the same content rules as cells', () => {
  it.each([
    ['a formula', HYPERLINK, 'formula-prefix'],
    ['a bidi override', `kind${REVERSED}`, 'control-character'],
    ['a control character', 'kind\u0007', 'control-character'],
    ['a line break', 'kind\nx', 'control-character'],
  ])('a schema column named with %s is a schema-error, and nothing is published', async (_name, name) => {
    const ws = await hostileWorkspace({ sample: renamedKind(name) });

    const validated = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);
    const published = await publishAll(ws);

    expect(validated.code).toBe(1);
    // The schema is written on one line: the issue points at the column's name in it.
    const column = JSON.stringify(renamedKind(name).schema).indexOf(`${JSON.stringify(name)}:`) + 1;
    expect(validated.stderr).toContain(
      `${path.join(ws.schemas, 'sample.schema.json')}:1:${column}: [schema-error] /properties/`,
    );
    expect(published.outcomes.map((outcome) => outcome.status)).toEqual(['rejected']);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });

  it.each([
    ['a formula', HYPERLINK, 'formula-prefix'],
    ['a bidi override', `kind${REVERSED}`, 'control-character'],
    ['a line break', 'kind\nx', 'control-character'],
  ])(
    'a CSV header cell with %s is located in the CSV, and nothing is published',
    async (_name, name, code) => {
      const ws = await hostileWorkspace({
        sample: {
          csv: `id,year,value_musd,flagged,day,kind,${csvField(name)}\nt-2001,2001,1,false,,turnover,x\n`,
        },
      });

      const validated = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);
      const published = await publishAll(ws);

      expect(validated.code).toBe(1);
      expect(validated.stderr).toContain(`${path.join(ws.data, 'sample.csv')}:1:7: [${code}] `);
      expect(published.outcomes.map((outcome) => outcome.status)).toEqual(['rejected']);
      expect(await publishedDatasetFiles(ws)).toEqual([]);
    },
  );
});

describe('cells with bidirectional controls', () => {
  it.each([
    ['\u202e', 4],
    ['\u2066', 4],
    ['\u200f', 4],
    ['\u061c', 4],
  ])('U+%s is a located control-character issue', async (char, position) => {
    const csv = `id,year,value_musd,flagged,day,kind\nt-2001,2001,106.1,false,,tur${char}nover\n`;
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } },
    };

    const { report } = await validateDataset(fixtureSource({ csv, schema }));

    expect(report.issues).toEqual([
      expect.objectContaining({
        code: 'control-character',
        line: 2,
        column: 6,
        field: 'kind',
        message: expect.stringContaining(`position ${position}`) as string,
      }),
    ]);
  });

  it.each([
    ['\u200b', 'U+200B (ZERO WIDTH SPACE)'],
    ['\u2060', 'U+2060 (WORD JOINER)'],
    ['\ufeff', 'U+FEFF (ZERO WIDTH NO-BREAK SPACE)'],
    ['\ufffe', 'U+FFFE (NONCHARACTER)'],
    ['\u{e0001}', 'U+E0001 (TAG CHARACTER)'],
    ['\u00ad', 'U+00AD (SOFT HYPHEN)'],
    ['\u034f', 'U+034F (COMBINING GRAPHEME JOINER)'],
    ['\u180e', 'U+180E (MONGOLIAN VOWEL SEPARATOR)'],
    ['\u2062', 'U+2062 (INVISIBLE TIMES)'],
    ['\u3164', 'U+3164 (HANGUL FILLER)'],
    ['\uffa0', 'U+FFA0 (HALFWIDTH HANGUL FILLER)'],
  ])(
    'an invisible %j in a key is a located control-character issue, so akt and akt%s are never two rows',
    async (char, named) => {
      const csv = `id,year,value_musd,flagged,day,kind\nakt,2001,1,false,,turnover\nakt${char},2002,2,false,,turnover\n`;

      const { report } = await validateDataset(fixtureSource({ csv }));

      expect(report.issues).toEqual([
        expect.objectContaining({
          code: 'control-character',
          line: 3,
          column: 1,
          field: 'id',
          message: `contains ${named} at position 4; control, invisible and bidirectional formatting characters are not allowed in data, remove it`,
        }),
      ]);
    },
  );

  it('keeps the zero-width joiner and non-joiner, which scripts and emoji need', async () => {
    const csv = `id,year,value_musd,flagged,day,kind\nt-2001,2001,1,false,,\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645\nt-2002,2002,1,false,,\u{1f469}\u200d\u{1f52c}\n`;
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } },
    };

    const { report } = await validateDataset(fixtureSource({ csv, schema }));

    expect(report.issues).toEqual([]);
  });

  it('"\\u202e0001\\u202c" is not published as a value a page would show as 1000', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } },
    };
    const ws = await hostileWorkspace({
      sample: { schema, csv: `id,year,value_musd,flagged,day,kind\nt-2001,2001,106.1,false,,${REVERSED}\n` },
    });

    const validated = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);
    const published = await publishAll(ws);

    expect(validated.code).toBe(1);
    expect(validated.stderr).toContain(`${path.join(ws.data, 'sample.csv')}:2:6: [control-character] kind: `);
    expect(published.outcomes.map((outcome) => outcome.status)).toEqual(['rejected']);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });
});

describe('cells of plain text are not searched for control characters, and no such cell is missed', () => {
  const schema = {
    ...FIXTURE_SCHEMA,
    properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } },
  };
  const HEADER = 'id,year,value_musd,flagged,day,kind\n';
  const row = (index: number, kind: string) => `t-${index},2001,1,false,,${csvField(kind)}\n`;
  /** What the cell-text check finds in each `kind` cell, searched one by one. */
  const expected = (kinds: readonly string[]) =>
    kinds.flatMap((kind, index) => {
      const found = forbiddenCharacter(kind, 'cell');
      return found === undefined
        ? []
        : [{ line: index + 2, column: 6, field: 'kind', position: `position ${found.index + 1};` }];
    });
  const controlIssues = async (chunks: Uint8Array[]) => {
    const { report } = await validateDataset(fixtureSource({ csv: chunks, schema }));
    return report.issues
      .filter((issue) => issue.code === 'control-character')
      .map((issue) => ({
        line: issue.line,
        column: issue.column,
        field: issue.field,
        position: /position \d+;/.exec(issue.message)?.[0],
      }));
  };

  it.each([
    ['a C0 control', '\u0007'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
    ['a bidi override', '\u202e'],
  ])('%s in a chunk after 64 KiB of plain text is found where it is', async (_name, char) => {
    const plain = Array.from({ length: 2500 }, (_, index) => row(index, 'turnover')).join('');
    const encoder = new TextEncoder();
    const chunks = [
      encoder.encode(HEADER + plain),
      encoder.encode(row(2500, `tur${char}nover`) + row(2501, 'x')),
    ];

    expect(chunks[0]?.byteLength).toBeGreaterThan(65536);
    expect(await controlIssues(chunks)).toEqual([
      { line: 2502, column: 6, field: 'kind', position: 'position 4;' },
    ]);
  });

  it('for any text, however the bytes are split and with or without a byte-order mark', async () => {
    const plainCell = fc.constantFrom('turnover', 'export', 'a b', 'x-1', '');
    const anyCell = fc
      .array(
        fc.constantFrom(
          'a',
          'Ж',
          'ə',
          ' ',
          '\t',
          '\u0000',
          '\u0007',
          '\u007f',
          '\u0085',
          '\u00a0',
          '\u202e',
          '\u200f',
          '\u061c',
          '\u2069',
        ),
        { maxLength: 4 },
      )
      .map((chars) => chars.join(''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ arbitrary: plainCell, weight: 4 }, { arbitrary: anyCell, weight: 1 }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (kinds, cuts, bom) => {
          const text = HEADER + kinds.map((kind, index) => row(index, kind)).join('');
          const bytes = new TextEncoder().encode(text);
          const whole = bom ? new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]) : bytes;
          const points = [...new Set(cuts.map((cut) => cut % (whole.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((from, index) =>
            whole.subarray(from, points[index] ?? whole.length),
          );

          expect(await controlIssues(chunks)).toEqual(expected(kinds));
        },
      ),
      { seed: 20261205, numRuns: 300 },
    );
  });
});
