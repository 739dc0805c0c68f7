/**
 * A new version whose primary key is other columns (a column renamed) names the rows it removed by the
 * previous version's key, which is theirs, in the run's report, not by the new key they do not have.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { makeWorkspace } from '../support/workspace.js';

/** Renames the column `from` of dataset `id` to `to`: in its CSV header, its schema and its descriptor. */
async function renameColumn(ws: { data: string; schemas: string }, id: string, from: string, to: string) {
  const csv = path.join(ws.data, `${id}.csv`);
  const text = await readFile(csv, 'utf8');
  const [header = '', ...rest] = text.split('\n');
  await writeFile(
    csv,
    [
      header
        .split(',')
        .map((name) => (name === from ? to : name))
        .join(','),
      ...rest,
    ].join('\n'),
  );
  const schemaFile = path.join(ws.schemas, `${id}.schema.json`);
  const schema = JSON.parse(await readFile(schemaFile, 'utf8')) as {
    properties: object;
    required?: string[];
  };
  schema.properties = Object.fromEntries(
    Object.entries(schema.properties).map(([name, value]) => [name === from ? to : name, value]),
  );
  if (schema.required !== undefined)
    schema.required = schema.required.map((name) => (name === from ? to : name));
  await writeFile(schemaFile, JSON.stringify(schema));
  const descriptorFile = path.join(ws.data, `${id}.dataset.json`);
  const descriptor = JSON.parse(await readFile(descriptorFile, 'utf8')) as {
    primaryKey: string[];
    columns: { name: string }[];
  };
  descriptor.primaryKey = descriptor.primaryKey.map((name) => (name === from ? to : name));
  for (const column of descriptor.columns) if (column.name === from) column.name = to;
  await writeFile(descriptorFile, JSON.stringify(descriptor));
}

describe('a primary key column renamed', () => {
  it("names the removed rows by the previous version's key in the run's report", async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publishDatasets({ source: sourceLocation(ws.root), store, now: new Date('2026-01-01T00:00:00Z') });
    await renameColumn(ws, 'visits', 'id', 'visit_id');

    const result = await publishDatasets({
      source: sourceLocation(ws.root),
      store,
      ids: ['visits'],
      now: new Date('2026-02-01T00:00:00Z'),
    });

    const outcome = result.outcomes[0];
    expect(outcome?.status).toBe('published');
    const changes = outcome?.status === 'published' ? outcome.changes : undefined;
    expect(changes?.summary.removed).toBeGreaterThan(0);
    for (const key of changes?.keys.removed ?? []) {
      expect(Object.keys(key)).toEqual(['date_edtf', 'id']);
      expect(Object.values(key).every((value) => value !== undefined)).toBe(true);
    }
    for (const key of changes?.keys.added ?? []) expect(Object.keys(key)).toEqual(['date_edtf', 'visit_id']);
  });
});
