/**
 * A version is dated just after the one it follows when the clock is not past it. After a version dated
 * 9999-12-31T23:59:59.999Z, the last moment a four-digit year holds, that is +010000-01-01T00:00:00.000Z,
 * which catalog.schema.json refuses: the run listed it all the same, then every later run and verify refused
 * the catalog it had written. Nothing is now published that cannot be dated, and the catalog stays readable.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { FIXTURE_CSV } from '../support/dataset-fixture.js';
import { cli } from '../support/workspace.js';
import { hostileWorkspace, type HostileWorkspace } from '../hostile/hostile-workspace.js';

const run = (ws: HostileWorkspace, now: string) =>
  publishDatasets({ source: ws.source, store: new LocalDirectoryStore(ws.out), now: new Date(now) });

describe('a version after one dated at the last moment of year 9999', () => {
  it('is refused, naming the dates, and the catalog, still readable, lists the versions it listed', async () => {
    const ws = await hostileWorkspace({ sample: {} });
    const first = await run(ws, '9999-12-31T23:59:59.999Z');
    expect(first.outcomes.map((outcome) => outcome.status)).toEqual(['published']);
    const catalogFile = path.join(ws.out, 'catalog.json');
    const catalog = await readFile(catalogFile);
    await writeFile(path.join(ws.data, 'sample.csv'), FIXTURE_CSV.replace('106.1', '106.2'));

    await expect(run(ws, '2026-01-01T00:00:00.000Z')).rejects.toThrow(
      'sample: 1.0.0, its latest version, is dated 9999-12-31T23:59:59.999Z, the last moment a catalog date can say (its year has four digits): a version after it cannot be dated, so nothing was published',
    );

    expect(await readFile(catalogFile)).toEqual(catalog);
    const verified = await cli('verify', ws.out);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
  });
});
