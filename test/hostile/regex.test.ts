import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { hostileWorkspace, runCliChild } from './hostile-workspace.js';

/** Backtracking engines take time exponential in the run of `a`s before a character that does not match. */
const CATASTROPHIC = '^(a+)+$';
/** One mebibyte, the default cell limit: a run of `a` and a final `!`. */
const HOSTILE_CELL = `${'a'.repeat(1024 ** 2 - 1)}!`;

function schemaWith(id: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { ...FIXTURE_SCHEMA, ...extra, properties: { ...FIXTURE_SCHEMA.properties, id } };
}

describe('row schema patterns run in linear time (RE2)', () => {
  it('a catastrophic pattern against a 1 MiB cell is reported, not hung on (child process, killed after 60 s)', async () => {
    const csv = `id,year,value_musd,flagged,day,kind\n${HOSTILE_CELL},2001,1,false,,turnover\n`;
    const ws = await hostileWorkspace({
      sample: { csv, schema: schemaWith({ type: 'string', pattern: CATASTROPHIC }) },
    });

    const run = await runCliChild(['validate', '--data', ws.data, '--schemas', ws.schemas], {
      timeoutMs: 60_000,
    });

    expect(run.signal, 'killed: validation did not finish').toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${path.join(ws.data, 'sample.csv')}:2:1: [constraint-error] id: "aaaaaaaa`);
    expect(run.stderr).toContain('(1048576 chars)');
    expect(run.stderr).toContain('must match pattern');
  }, 90_000);

  it('still matches as JSON Schema says: unanchored search, Unicode escapes, classes', async () => {
    const schema = schemaWith({ type: 'string', pattern: '\\u00e9-[0-9]{2}' });
    const csv =
      'id,year,value_musd,flagged,day,kind\nxé-01y,2001,1,false,,turnover\nE-01,2002,1,false,,turnover\n';

    const { report } = await validateDataset(fixtureSource({ csv, schema }));

    expect(report.issues).toEqual([
      expect.objectContaining({ code: 'constraint-error', line: 3, column: 1, field: 'id' }),
    ]);
  });

  it.each([
    ['a backreference', { id: { type: 'string', pattern: '^(a)\\1$' } }, '/properties/id/pattern'],
    ['a lookahead', { id: { type: 'string', pattern: '^(?=a)a$' } }, '/properties/id/pattern'],
    [
      'a nested pattern',
      { id: { type: 'string', anyOf: [{ pattern: 'x' }, { pattern: '(?!y)' }] } },
      '/properties/id/anyOf/1/pattern',
    ],
  ])('%s is a schema-error with the JSON pointer of the pattern', async (_name, properties, pointer) => {
    const schema = { ...FIXTURE_SCHEMA, properties: { ...FIXTURE_SCHEMA.properties, ...properties } };

    const { report } = await validateDataset(fixtureSource({ schema }));

    expect(report.issues).toEqual([
      expect.objectContaining({
        code: 'schema-error',
        file: 'schemas/sample.schema.json',
        field: pointer,
        message: expect.stringContaining('RE2') as string,
      }),
    ]);
  });

  it('a patternProperties key RE2 cannot compile is a schema-error naming the key', async () => {
    const schema = { ...FIXTURE_SCHEMA, patternProperties: { '^(?<=x)/y': { type: 'string' } } };

    const { report } = await validateDataset(fixtureSource({ schema }));

    expect(report.issues).toEqual([
      expect.objectContaining({ code: 'schema-error', field: '/patternProperties/^(?<=x)~1y' }),
    ]);
  });
});
