import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import {
  hostileWorkspace,
  publishAll,
  publishedDatasetFiles,
  validateAll,
  type HostileDataset,
} from './hostile-workspace.js';

/**
 * Row schemas that apply themselves to the same row without end. Checking a row against any of them
 * recursed until the stack overflowed, and the RangeError ended the whole run: no dataset beside them
 * was published.
 */
const OWN_ID = { $id: 'https://kz-az-open-data.example/schemas/aaa.schema.json' };
const SELF_APPLYING: Record<string, Record<string, unknown>> = {
  'the root referring to itself': { ...FIXTURE_SCHEMA, ...OWN_ID, $ref: '#' },
  'a dynamic reference to its own anchor': {
    ...FIXTURE_SCHEMA,
    ...OWN_ID,
    $dynamicAnchor: 'meta',
    $dynamicRef: '#meta',
  },
  'a $defs entry referring back to the root': {
    ...FIXTURE_SCHEMA,
    ...OWN_ID,
    $defs: { again: { $ref: '#' } },
    allOf: [{ $ref: '#/$defs/again' }],
  },
  // ajv itself overflowed the stack compiling it: "the schema does not compile: Maximum call stack size exceeded".
  'a $defs entry referring to itself, and the root to it': {
    ...FIXTURE_SCHEMA,
    ...OWN_ID,
    $defs: { a: { $ref: '#/$defs/a' } },
    $ref: '#/$defs/a',
  },
  // Reached only by the row whose kind is "export", so no row tried at compile time finds it.
  'a cycle only some values reach': {
    ...FIXTURE_SCHEMA,
    ...OWN_ID,
    if: { properties: { kind: { const: 'export' } }, required: ['kind'] },
    then: { $ref: '#' },
  },
};

const GOOD: HostileDataset = { descriptor: { ...FIXTURE_DESCRIPTOR, id: 'zzz' } };

describe('a row schema that applies itself without end', () => {
  it.each(Object.entries(SELF_APPLYING))(
    '%s: validate names the schema, and the dataset beside it is still checked',
    async (_name, schema) => {
      const ws = await hostileWorkspace({ aaa: { schema }, zzz: GOOD });

      const [bad, good] = (await validateAll(ws)).map((result) => result.report);

      expect(bad?.valid).toBe(false);
      expect(bad?.issues).toContainEqual(
        expect.objectContaining({
          code: 'schema-error',
          file: path.join(ws.schemas, 'aaa.schema.json'),
          message: expect.stringContaining('applies itself to the same row without end') as string,
        }),
      );
      expect(bad?.issues.filter((issue) => issue.code === 'schema-error')).toHaveLength(1);
      expect(good?.valid).toBe(true);
    },
  );

  it('publish rejects it and publishes the dataset beside it', async () => {
    const ws = await hostileWorkspace({
      aaa: { schema: SELF_APPLYING['a cycle only some values reach'] },
      zzz: GOOD,
    });

    const { outcomes } = await publishAll(ws);

    expect(outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
      ['aaa', 'rejected'],
      ['zzz', 'published'],
    ]);
    const published = (await publishedDatasetFiles(ws)).map((file) =>
      path.relative(path.join(ws.out, 'datasets'), file),
    );
    expect(published.some((file) => file.startsWith('zzz/'))).toBe(true);
    expect(published.some((file) => file.startsWith('aaa/'))).toBe(false);
  });
});
