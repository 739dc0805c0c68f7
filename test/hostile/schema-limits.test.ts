import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_LIMITS } from '../../lambda/core/limits.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { cli } from '../support/workspace.js';
import { hostileWorkspace, publishAll, publishedDatasetFiles } from './hostile-workspace.js';

/** `"<marker>"` in `text` replaced by arrays nested `depth` deep (JSON.stringify itself overflows on such values). */
function nest(text: string, marker: string, depth: number): string {
  return text.replace(JSON.stringify(marker), `${'['.repeat(depth)}${']'.repeat(depth)}`);
}

/** The fixture's schema with `examples` of the `kind` column nested 20,000 deep: ajv never looks into it. */
const DEEP_SCHEMA_TEXT = nest(
  JSON.stringify({
    ...FIXTURE_SCHEMA,
    properties: {
      ...FIXTURE_SCHEMA.properties,
      kind: { ...FIXTURE_SCHEMA.properties.kind, examples: ['DEEP'] },
    },
  }),
  'DEEP',
  20_000,
);

describe('schema and descriptor size limits', () => {
  it('a schema nested 20,000 deep is limit-exceeded at its pointer, and publish writes nothing (no stack overflow)', async () => {
    const ws = await hostileWorkspace({ sample: { schemaText: DEEP_SCHEMA_TEXT } });
    const file = path.join(ws.schemas, 'sample.schema.json');

    const validated = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);
    const published = await publishAll(ws);

    expect(validated.code).toBe(1);
    const found = new RegExp(
      `^${escape(file)}:1:(\\d+): \\[limit-exceeded\\] /properties/kind/examples/0(/0)+.*: nested more than ${SCHEMA_LIMITS.maxDepth} levels deep`,
    ).exec(validated.stderr);
    expect(found, validated.stderr).not.toBeNull();
    // The schema is one line: the column points into the nested arrays of "examples".
    const column = Number(found?.[1]);
    expect(DEEP_SCHEMA_TEXT.charAt(column - 1)).toBe('[');
    expect(column).toBeGreaterThan(DEEP_SCHEMA_TEXT.indexOf('"examples"'));
    expect(published.outcomes.map((outcome) => outcome.status)).toEqual(['rejected']);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });

  it('a descriptor nested 20,000 deep is limit-exceeded at its pointer', async () => {
    const descriptor = nest(JSON.stringify({ ...FIXTURE_DESCRIPTOR, keywords: ['DEEP'] }), 'DEEP', 20_000);

    const { report } = await validateDataset({
      ...fixtureSource(),
      descriptor: { file: 'data/sample.dataset.json', text: descriptor },
    });

    expect(report.issues).toEqual([
      expect.objectContaining({
        code: 'limit-exceeded',
        file: 'data/sample.dataset.json',
        field: expect.stringMatching(/^\/keywords\/0\/0\/0/) as string,
      }),
    ]);
  });

  it.each([
    [
      'a schema file over the size limit',
      { ...FIXTURE_SCHEMA, description: 'x'.repeat(SCHEMA_LIMITS.maxSchemaBytes) },
      '',
      'bytes',
    ],
    [
      'more properties than the limit',
      {
        ...FIXTURE_SCHEMA,
        properties: Object.fromEntries(
          Array.from({ length: SCHEMA_LIMITS.maxProperties + 1 }, (_, i) => [`c${i}`, { type: 'string' }]),
        ),
      },
      '/properties',
      'properties',
    ],
    [
      'an enum with more values than the limit',
      {
        ...FIXTURE_SCHEMA,
        properties: {
          ...FIXTURE_SCHEMA.properties,
          kind: {
            type: 'string',
            enum: Array.from({ length: SCHEMA_LIMITS.maxEnumValues + 1 }, (_, i) => `v${i}`),
          },
        },
      },
      '/properties/kind/enum',
      'values',
    ],
    [
      'a pattern longer than the limit',
      {
        ...FIXTURE_SCHEMA,
        properties: {
          ...FIXTURE_SCHEMA.properties,
          id: { type: 'string', pattern: 'a'.repeat(SCHEMA_LIMITS.maxPatternLength + 1) },
        },
      },
      '/properties/id/pattern',
      'characters',
    ],
  ])('%s is limit-exceeded naming the file and pointer', async (_name, schema, pointer, unit) => {
    const { report } = await validateDataset(fixtureSource({ schema }));

    expect(report.issues).toEqual([
      expect.objectContaining({
        code: 'limit-exceeded',
        file: 'schemas/sample.schema.json',
        field: pointer,
        message: expect.stringContaining(unit) as string,
      }),
    ]);
  });

  it('a descriptor file over the size limit is limit-exceeded', async () => {
    const descriptor = { ...FIXTURE_DESCRIPTOR, description: 'x'.repeat(SCHEMA_LIMITS.maxDescriptorBytes) };

    const { report } = await validateDataset(fixtureSource({ descriptor }));

    expect(report.issues).toEqual([
      expect.objectContaining({ code: 'limit-exceeded', file: 'data/sample.dataset.json' }),
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
