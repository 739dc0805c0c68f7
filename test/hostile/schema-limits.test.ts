import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_LIMITS } from '../../lambda/core/limits.js';
import { compileRowSchema } from '../../lambda/core/row-schema.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { cli } from '../support/workspace.js';
import { hostileWorkspace, publishAll, publishedDatasetFiles, runCliChild } from './hostile-workspace.js';

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

/**
 * The fixture's schema with `$defs` d0 … dn, each d(i) an `allOf` of two references to d(i-1), and
 * the `kind` column using dn: about 2 KB at n = 40, and 2^(n+2) subschemas to check a row against.
 * Before the count of them was limited, n = 25 took 0.33 s a row and n = 40 never ended.
 */
function doublingSchema(n: number): Record<string, unknown> {
  const $defs: Record<string, unknown> = { d0: { type: 'string', minLength: 1 } };
  for (let i = 1; i <= n; i++)
    $defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
  return {
    ...FIXTURE_SCHEMA,
    $defs,
    properties: {
      ...FIXTURE_SCHEMA.properties,
      kind: { ...FIXTURE_SCHEMA.properties.kind, allOf: [{ $ref: `#/$defs/d${n}` }] },
    },
  };
}

describe('schema and descriptor size limits', () => {
  it('a schema whose references double 40 times is limit-exceeded naming the file, in milliseconds, not hung on (child process, killed after 60 s)', async () => {
    const ws = await hostileWorkspace({ sample: { schema: doublingSchema(40) } });
    const file = path.join(ws.schemas, 'sample.schema.json');

    const started = performance.now();
    const run = await runCliChild(['validate', '--data', ws.data, '--schemas', ws.schemas], {
      timeoutMs: 60_000,
    });
    const elapsed = performance.now() - started;

    expect(run.signal, 'killed: validation did not finish').toBeNull();
    expect(run.code).toBe(1);
    // 2^15 · 3 evaluations under d15 pass the limit of 100,000; d14 is within it.
    expect(run.stderr).toMatch(
      new RegExp(
        `^${escape(file)}:1:\\d+: \\[limit-exceeded\\] /\\$defs/d15: checking one row would evaluate 4,398,046,511,\\d+ subschemas.*more than the limit of ${SCHEMA_LIMITS.maxRowEvaluations.toLocaleString('en')}`,
        'm',
      ),
    );
    // Starting node and loading the pipeline is most of the child's time.
    expect(elapsed).toBeLessThan(30_000);
    const schema = doublingSchema(40);
    const counted = performance.now();
    const refused = compileRowSchema(schema, 'schemas/sample.schema.json');
    // A few milliseconds once warm; the bound leaves room for a loaded machine.
    expect(performance.now() - counted).toBeLessThan(1000);
    expect(refused.ok).toBe(false);
    const { report } = await validateDataset(fixtureSource({ schema }));
    expect(report.issues).toEqual([
      expect.objectContaining({
        code: 'limit-exceeded',
        file: 'schemas/sample.schema.json',
        field: '/$defs/d15',
      }),
    ]);
  }, 90_000);

  it('a schema whose references double 14 times is within the limit and checks rows as before', async () => {
    const { report } = await validateDataset(fixtureSource({ schema: doublingSchema(14) }));

    expect(report.issues).toEqual([]);
  });

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
