/**
 * The catalog is what lists a tree's versions: a tree that lost it, or lost a dataset's entry in it, is
 * not published over as if its datasets were new (which would leave their published versions unlisted,
 * and start each history again at an "initial" version). The run says what was lost and writes nothing.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { cli, makeWorkspace, publishWorkspace, treeDigest } from '../support/workspace.js';

async function editedTradeNote(data: string): Promise<void> {
  const csv = path.join(data, 'trade.csv');
  await writeFile(
    csv,
    (await readFile(csv, 'utf8')).replace("One item of the paper's", "An item of the paper's"),
  );
}

/** Removes the dataset `id`'s entry from the tree's catalog.json, as a hand edit would. */
async function dropCatalogEntry(out: string, id: string): Promise<void> {
  const file = path.join(out, 'catalog.json');
  const catalog = JSON.parse(await readFile(file, 'utf8')) as { datasets: { id: string }[] };
  catalog.datasets = catalog.datasets.filter((dataset) => dataset.id !== id);
  await writeFile(file, `${JSON.stringify(catalog, null, 2)}\n`);
}

describe('a tree whose catalog lost what it listed', () => {
  it('is not published over when catalog.json is gone', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    await rm(path.join(ws.out, 'catalog.json'));
    await editedTradeNote(ws.data);
    const before = await treeDigest(ws.out);

    const { code, stderr } = await publishWorkspace(ws);

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^opendata: dataset "[a-z-]+": the tree holds datasets\/[a-z-]+\/index\.html, datasets\/[a-z-]+\/latest\/ and datasets\/[a-z-]+\/cite\/, which only a listed version leaves, but there is no catalog\.json: its published versions would no longer be listed, so nothing was published\. Restore catalog\.json from a copy/m,
    );
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it("is not published over when a dataset's entry is gone from it", async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    await dropCatalogEntry(ws.out, 'trade');
    await editedTradeNote(ws.data);
    const before = await treeDigest(ws.out);

    const { code, stderr } = await publishWorkspace(ws);

    expect(code).toBe(1);
    expect(stderr).toContain(
      'dataset "trade": the tree holds datasets/trade/index.html, datasets/trade/latest/ and datasets/trade/cite/, which only a listed version leaves, but catalog.json lists no "trade"',
    );
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it("is not published over when a dataset's entry, page and latest/ are gone but its citations are not", async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    await dropCatalogEntry(ws.out, 'trade');
    await rm(path.join(ws.out, 'datasets/trade/index.html'));
    await rm(path.join(ws.out, 'datasets/trade/latest'), { recursive: true });
    await editedTradeNote(ws.data);
    const before = await treeDigest(ws.out);

    const { code, stderr } = await publishWorkspace(ws);

    expect(code).toBe(1);
    expect(stderr).toContain(
      'dataset "trade": the tree holds datasets/trade/cite/, which only a listed version leaves, but catalog.json lists no "trade"',
    );
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it('is no loss where another publisher listed the dataset after this run read the catalog', async () => {
    const ws = await makeWorkspace();
    const other = await makeWorkspace();
    // This run reads no catalog (a first publish), and before it stages, another run publishes the same
    // sources into the same tree and writes the datasets' pages.
    const store = new LocalDirectoryStore(ws.out);
    const get = store.get.bind(store);
    let raced = false;
    store.get = async (key) => {
      if (key !== 'catalog.json' || raced) return get(key);
      raced = true;
      const first = await publishDatasets({
        source: sourceLocation(other.root),
        store: new LocalDirectoryStore(ws.out),
        now: new Date('2026-01-01T00:00:00Z'),
      });
      expect(new Set(first.outcomes.map((outcome) => outcome.status))).toEqual(new Set(['published']));
      return undefined;
    };

    const result = await publishDatasets({
      source: sourceLocation(ws.root),
      store,
      now: new Date('2026-01-01T00:00:01Z'),
    });

    expect(raced).toBe(true);
    expect(new Set(result.outcomes.map((outcome) => outcome.status))).toEqual(new Set(['unchanged']));
  });

  it('is not published over when catalog.json was restored from an older copy', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    const older = await readFile(path.join(ws.out, 'catalog.json'));
    await editedTradeNote(ws.data);
    expect((await publishWorkspace(ws)).stdout).toMatch(/^trade +published 1\.0\.1/m);
    await writeFile(path.join(ws.out, 'catalog.json'), older);
    const before = await treeDigest(ws.out);

    // verify, which reads what the catalog lists, says so too.
    const verified = await cli('verify', ws.out);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toContain(
      'datasets/trade/cite/1.0.1.bib: is a file only a listed version leaves, but the catalog lists no such dataset or version',
    );
    // A run of another dataset, which stages nothing of trade's.
    const { code, stderr } = await publishWorkspace(ws, 'visits');

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^opendata: the tree holds datasets\/trade\/cite\/1\.0\.1\.bib, .*which only a listed version leaves, but catalog\.json lists no such dataset or version: the catalog, or an entry of it, was lost/m,
    );
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it('is not published over when a dataset gone from the sources lost its entry too', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    await dropCatalogEntry(ws.out, 'transport');
    for (const name of ['transport.csv', 'transport.dataset.json']) await rm(path.join(ws.data, name));
    await rm(path.join(ws.schemas, 'transport.schema.json'));
    const before = await treeDigest(ws.out);
    const verified = await cli('verify', ws.out);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toMatch(
      /datasets\/transport\/index\.html: is a file only a listed version leaves/,
    );

    const { code, stderr } = await publishWorkspace(ws);

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^opendata: the tree holds datasets\/transport\/.*which only a listed version leaves/m,
    );
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it('is no loss where another publisher listed a version after the commit read the catalog', async () => {
    const ws = await makeWorkspace();
    const other = await makeWorkspace();
    await publishDatasets({
      source: sourceLocation(ws.root),
      store: new LocalDirectoryStore(ws.out),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    // This run changes visits; the other publisher changes trade, and commits (writing trade's cite/1.0.1.*)
    // after this run's commit read the catalog and before it looked through the tree.
    const visits = path.join(ws.data, 'visits.csv');
    await writeFile(
      visits,
      (await readFile(visits, 'utf8')).replace('Listed among the visits', 'Listed among visits'),
    );
    await editedTradeNote(other.data);
    const store = new LocalDirectoryStore(ws.out);
    const list = store.list.bind(store);
    let raced = false;
    store.list = (prefix: string) => {
      if (prefix !== 'datasets/' || raced) return list(prefix);
      raced = true;
      return (async function* () {
        const first = await publishDatasets({
          source: sourceLocation(other.root),
          store: new LocalDirectoryStore(ws.out),
          ids: ['trade'],
          now: new Date('2026-02-01T00:00:00Z'),
        });
        expect(first.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
          ['trade', 'published'],
        ]);
        yield* list(prefix);
      })();
    };

    const result = await publishDatasets({
      source: sourceLocation(ws.root),
      store,
      ids: ['visits'],
      now: new Date('2026-02-01T00:00:01Z'),
    });

    expect(raced).toBe(true);
    expect(result.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([['visits', 'published']]);
  });
});
