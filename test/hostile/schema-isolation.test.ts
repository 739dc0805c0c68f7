import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import descriptorSchema from '../../schemas/dataset.schema.json' with { type: 'json' };
import { validateDatasets } from '../../lambda/core/pipeline.js';
import { stageFromCuratedSource } from '../../lambda/handlers/steps/validate-and-publish.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import {
  hostileWorkspace,
  publishAll,
  publishedDatasetFiles,
  validateAll,
  type HostileDataset,
} from './hostile-workspace.js';
import { makeTempDir } from '../support/temp-dir.js';

/** A row schema that is valid for its own rows and also declares the descriptor schema's `$id` (accepting anything). */
const POISONING_SCHEMA = {
  ...FIXTURE_SCHEMA,
  $id: 'https://kz-az-open-data.example/schemas/aaa.schema.json',
  $defs: { anything: { $id: descriptorSchema.$id } },
};

/**
 * A descriptor the pipeline must refuse: wrong license, a one-letter title, and limits switched off (a
 * number compared with a string is never larger, so no CSV limit would ever be exceeded).
 */
function badDescriptor(id: string) {
  return {
    ...FIXTURE_DESCRIPTOR,
    id,
    license: 'all-rights-reserved',
    title: 'x',
    limits: { maxFileBytes: 'off', maxRows: 'off', maxFieldLength: 'off', maxColumns: 'off' },
  };
}

const POISONER: HostileDataset = { schema: POISONING_SCHEMA, descriptor: badDescriptor('aaa') };
const VICTIM: HostileDataset = { descriptor: badDescriptor('zzz') };

describe('a row schema cannot replace the schema its descriptor is checked against', () => {
  it('validate: the descriptor errors of both datasets are still found, and the $id collision is named', async () => {
    const ws = await hostileWorkspace({ aaa: POISONER, zzz: VICTIM });

    const results = await validateAll(ws);

    const [poisoner, victim] = results.map((result) => result.report);
    for (const report of [poisoner, victim]) {
      expect(report?.valid).toBe(false);
      const fields = report?.issues.filter((issue) => issue.code === 'descriptor-error').map((i) => i.field);
      expect(fields).toEqual(expect.arrayContaining(['/license', '/title', '/limits/maxRows']));
    }
    expect(poisoner?.issues).toContainEqual(
      expect.objectContaining({
        code: 'schema-error',
        file: path.join(ws.schemas, 'aaa.schema.json'),
        field: '/$defs/anything/$id',
        message: expect.stringContaining(descriptorSchema.$id) as string,
      }),
    );
  });

  it('publish: neither dataset is published', async () => {
    const ws = await hostileWorkspace({ aaa: POISONER, zzz: VICTIM });

    const { outcomes } = await publishAll(ws);

    expect(outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
      ['aaa', 'rejected'],
      ['zzz', 'rejected'],
    ]);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });

  it('the Lambda step rejects the poisoning dataset with its descriptor errors', async () => {
    const ws = await hostileWorkspace({ aaa: POISONER });
    const uploads = await makeTempDir('opendata-uploads-');

    const result = await stageFromCuratedSource(
      { location: ws.source, uploads: { store: new LocalDirectoryStore(uploads), label: 'incoming' } },
      new LocalDirectoryStore(ws.out),
      'aaa',
      { now: new Date('2026-01-01T00:00:00Z') },
    );

    expect(result.status).toBe('rejected');
    const fields = result.status === 'rejected' ? result.issues.map((issue) => issue.field) : [];
    expect(fields).toEqual(expect.arrayContaining(['/license', '/title']));
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });

  it("a row schema reusing another dataset's $id in the same run is a schema-error naming both", async () => {
    const ws = await hostileWorkspace({ aaa: {}, bbb: {} });

    const [first, second] = (await validateAll(ws)).map((result) => result.report);

    expect(first?.valid).toBe(true);
    expect(second?.issues).toEqual([
      expect.objectContaining({
        code: 'schema-error',
        file: path.join(ws.schemas, 'bbb.schema.json'),
        field: '/$id',
        message: expect.stringMatching(/sample\.schema\.json.*aaa\.schema\.json/) as string,
      }),
    ]);
  });

  it("publish refuses a row schema reusing another dataset's $id too, and publishes the first only", async () => {
    const ws = await hostileWorkspace({ aaa: {}, bbb: {} });

    const { outcomes } = await publishAll(ws);

    expect(outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
      ['aaa', 'published'],
      ['bbb', 'rejected'],
    ]);
    expect(outcomes[1]?.report.issues.map((issue) => [issue.code, issue.field])).toEqual([
      ['schema-error', '/$id'],
    ]);
  });

  it('checked alone or with some of the others (publish <id>), a dataset is refused for reusing an $id exactly when a run of them all refuses it', async () => {
    /** The row schema of each kind of dataset: two share an $id, one has its own, one fails its checks first. */
    const schemaOf = (kind: string, id: string) =>
      kind === 'broken'
        ? { ...FIXTURE_SCHEMA, $id: 'https://example.org/shared-x.json', additionalProperties: true }
        : { ...FIXTURE_SCHEMA, $id: `https://example.org/${kind === 'own' ? id : `shared-${kind}`}.json` };
    const reuses = (issues: readonly { message: string }[]) =>
      issues.some((issue) => issue.message.includes('is already the $id of'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('x', 'y', 'own', 'broken'), { minLength: 2, maxLength: 4 }),
        fc.shuffledSubarray([0, 1, 2, 3], { minLength: 1 }),
        async (kinds, picked) => {
          const ids = kinds.map((_, index) => `d${index}`);
          const ws = await hostileWorkspace(
            Object.fromEntries(ids.map((id, index) => [id, { schema: schemaOf(kinds[index] ?? '', id) }])),
          );
          const inFullRun = new Map(
            (await validateDatasets(ws.source)).map(({ report }) => [report.id, reuses(report.issues)]),
          );
          const subset = picked.filter((index) => index < ids.length).map((index) => ids[index] ?? '');
          for (const { report } of await validateDatasets(ws.source, subset))
            expect([report.id, reuses(report.issues)]).toEqual([report.id, inFullRun.get(report.id)]);
        },
      ),
      { numRuns: 15 },
    );
  });
});
