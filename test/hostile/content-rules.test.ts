import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
    expect(validated.stderr).toContain(
      `${path.join(ws.schemas, 'sample.schema.json')}:1:1: [schema-error] /properties/`,
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
