import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import type { ObjectStore } from '../../lambda/core/object-store.js';
import { readCatalog } from '../../lambda/core/history.js';
import { verifyDistributions } from '../../lambda/core/verify.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { csvTruncatingStore, FaultyStore, type FaultMode } from '../support/faulty-store.js';
import { makeWorkspace, treeDigest } from '../support/workspace.js';
import { makeTempDir, removeTempDir } from '../support/temp-dir.js';

const BEFORE = new Date('2026-01-01T00:00:00Z');
const AFTER = new Date('2026-02-01T00:00:00Z');
const IDS = ['trade'];

let source: Parameters<typeof publishDatasets>[0]['source'];
let original: string; // a tree with trade 1.0.0 published
let reference: Record<string, string>; // the tree after a fault-free publish of the change
let oldCatalog: string;
let newCatalog: string;
let requests: number;

async function copyTree(from: string): Promise<string> {
  const to = await makeTempDir('opendata-fault-');
  await cp(from, to, { recursive: true });
  return to;
}

const publish = (store: ObjectStore, now: Date) => publishDatasets({ source, store, ids: IDS, now });

beforeAll(async () => {
  const ws = await makeWorkspace();
  source = {
    data: new LocalDirectoryStore(ws.data),
    schemas: new LocalDirectoryStore(ws.schemas),
    dataLabel: 'data',
    schemasLabel: 'schemas',
  };
  await publish(new LocalDirectoryStore(ws.out), BEFORE);
  original = ws.out;
  oldCatalog = await readFile(path.join(original, 'catalog.json'), 'utf8');
  const csv = path.join(ws.data, 'trade.csv');
  await writeFile(csv, (await readFile(csv, 'utf8')).replace(',value,106.1,', ',value,106.2,'));

  const clean = await copyTree(original);
  const counting = new FaultyStore(new LocalDirectoryStore(clean));
  const result = await publish(counting, AFTER);
  expect(result.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([['trade', 'published']]);
  requests = counting.requests;
  reference = await treeDigest(clean);
  newCatalog = await readFile(path.join(clean, 'catalog.json'), 'utf8');
});

/** Every file the catalog lists exists with its stated bytes and sha256. */
async function catalogResolves(store: ObjectStore): Promise<void> {
  const { catalog } = await readCatalog(store);
  const files = (catalog as Catalog).datasets.flatMap((dataset) =>
    dataset.versions.flatMap((version) => version.distributions),
  );
  expect(await verifyDistributions(store, files)).toEqual([]);
}

describe('atomic publishing under faults', () => {
  it('makes enough requests for the sweep to mean something', () => {
    console.info(`fault sweep: ${requests} store requests in one publish`);
    expect(requests).toBeGreaterThan(15);
  });

  describe.each<FaultMode>(['error', 'timeout', 'lost-response'])('%s on each request in turn', (mode) => {
    it('leaves the old or the new catalog, every listed file intact, and converges on the next run', async () => {
      // Where the sweep was, should it fail or run out of time (a time-out says nothing of its own).
      let at = 'before the first fault';
      const started = Date.now();
      let stepStarted = started;
      const step = (name: string): void => {
        at = name;
        stepStarted = Date.now();
      };
      onTestFailed(() => {
        const now = Date.now();
        console.error(
          `fault sweep (${mode}): stopped at ${at}, ${now - stepStarted} ms into it, ${now - started} ms into the sweep`,
        );
      });
      for (let k = 1; k <= requests; k++) {
        const dir = await copyTree(original);
        const store = new LocalDirectoryStore(dir);

        step(`k=${k}: the publish with the fault`);
        const outcome = await publish(new FaultyStore(store, k, mode), AFTER).then(
          () => 'completed',
          (error: unknown) => (error instanceof Error ? error.name : 'thrown'),
        );

        step(`k=${k}: the checks after the fault (${outcome})`);
        const catalog = await readFile(path.join(dir, 'catalog.json'), 'utf8');
        expect([oldCatalog, newCatalog], `k=${k} (${outcome})`).toContain(catalog);
        await catalogResolves(store);
        step(`k=${k}: the publish after the fault (${outcome})`);
        await publish(store, AFTER);
        expect(await treeDigest(dir), `k=${k}: converged`).toEqual(reference);
        // About 2 MB a copy and some 80 copies a mode: each goes once it has been checked.
        await removeTempDir(dir);
      }
    }, 180_000);
  });
});

describe('a store that silently corrupts what it is given', () => {
  it('is caught by the read-back at the end of the publish', async () => {
    const dir = await copyTree(original);
    const honest = new LocalDirectoryStore(dir);
    const corrupting = csvTruncatingStore(honest);

    const result = await publish(corrupting, AFTER);

    // One problem for the one file: its size, which differing makes its SHA-256 differ too.
    expect(result.problems).toEqual([
      {
        path: 'datasets/trade/1.0.1/trade.csv',
        message: expect.stringMatching(/^has \d+ bytes; the catalog says \d+$/),
      },
    ]);
  });
});
