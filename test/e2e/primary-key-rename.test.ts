/**
 * A new version whose primary key is other columns (a column renamed) names the rows it removed by the
 * previous version's key, which is theirs, in the run's report, not by the new key they do not have.
 */
import { describe, expect, it } from 'vitest';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { makeWorkspace, renameColumn } from '../support/workspace.js';

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
