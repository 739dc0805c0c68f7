/**
 * A foreign key between two datasets holds between their versions as the catalog lists them, whatever
 * the runs did: validation checks a dataset's references against its run's sources, and the commit
 * checks them again against the catalog it writes, where a dataset rejected in the same run keeps its
 * published version and another publisher may have listed a new version of the other meanwhile.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import type { ObjectMeta, PutBody } from '../../lambda/core/object-store.js';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { makeWorkspace, readJson, renameColumn } from '../support/workspace.js';

/** The trade row that trade-by-year's 2001 row refers to (data/trade-by-year.csv, foreignKeys/0). */
const REFERRED = 'turnover-2001-series';

async function removeTradeRow(data: string): Promise<void> {
  const file = path.join(data, 'trade.csv');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const kept = lines.filter((line) => !line.startsWith(`${REFERRED},`));
  expect(kept.length).toBe(lines.length - 1);
  await writeFile(file, kept.join('\n'));
}

/** The 2001 row of trade-by-year with its reference to trade emptied, or put back. */
async function setReference(data: string, referring: boolean): Promise<void> {
  const file = path.join(data, 'trade-by-year.csv');
  const text = await readFile(file, 'utf8');
  const [withReference, without] = [`2001,106.1,${REFERRED},`, '2001,,,'];
  expect(text.includes(withReference) !== text.includes(without)).toBe(true);
  const emptied = text.replace(withReference, without);
  await writeFile(file, referring ? emptied.replace(without, withReference) : emptied);
}

function latestOf(catalog: Catalog, id: string): string | undefined {
  return catalog.datasets.find((dataset) => dataset.id === id)?.latest;
}

async function listedRows(out: string, catalog: Catalog, id: string): Promise<string> {
  return readFile(path.join(out, 'datasets', id, latestOf(catalog, id) ?? '', `${id}.csv`), 'utf8');
}

/** Publishes the workspace at `root` (the datasets `ids`, or all) a month on: what became of trade. */
async function tradeOutcome(root: string, store: LocalDirectoryStore, ids: string[] | undefined) {
  const result = await publishDatasets({
    source: sourceLocation(root),
    store,
    ...(ids === undefined ? {} : { ids }),
    now: new Date('2026-02-01T00:00:00Z'),
  });
  return result.outcomes.find((outcome) => outcome.id === 'trade');
}

describe('references between datasets, as listed', () => {
  it('a run that rejects the referring dataset does not list the referred one without the row it refers to', async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    const now = new Date('2026-01-01T00:00:00Z');
    await publishDatasets({ source: sourceLocation(ws.root), store, now });
    await removeTradeRow(ws.data);

    const result = await publishDatasets({
      source: sourceLocation(ws.root),
      store,
      now: new Date('2026-02-01T00:00:00Z'),
    });

    const trade = result.outcomes.find((outcome) => outcome.id === 'trade');
    expect(trade?.status).toBe('rejected');
    expect(trade?.report.issues.map((issue) => issue.message)).toContain(
      `listing trade 1.0.1 would leave the published trade-by-year 1.0.0 referring to a row it no longer has (turnover_musd_trade_id=${REFERRED}; foreignKeys/0 of trade-by-year): publish the two together, trade-by-year changed to match`,
    );
    expect(result.outcomes.find((outcome) => outcome.id === 'trade-by-year')?.status).toBe('rejected');
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(latestOf(catalog, 'trade')).toBe('1.0.0');
    expect(await listedRows(ws.out, catalog, 'trade')).toContain(`${REFERRED},`);
  });

  it('a publisher that commits after another listed the referred dataset without the row is refused', async () => {
    const ws = await makeWorkspace();
    const other = await makeWorkspace();
    await setReference(ws.data, false);
    const now = new Date('2026-01-01T00:00:00Z');
    await publishDatasets({ source: sourceLocation(ws.root), store: new LocalDirectoryStore(ws.out), now });
    // Run A: trade without the row, alone; nothing published refers to it, so it is valid.
    await setReference(other.data, false);
    await removeTradeRow(other.data);
    // Run B: trade-by-year referring to the row again, alone; published trade has it, so it is valid. A
    // commits while B is about to: B's catalog write then finds A's, and B checks again against it.
    await setReference(ws.data, true);
    let raced = false;
    const store = new LocalDirectoryStore(ws.out);
    const putIfMatch = store.putIfMatch.bind(store);
    store.putIfMatch = async (key: string, body: PutBody, meta: ObjectMeta, etag: string | undefined) => {
      if (key === 'catalog.json' && !raced) {
        raced = true;
        const a = await publishDatasets({
          source: sourceLocation(other.root),
          store: new LocalDirectoryStore(ws.out),
          ids: ['trade'],
          now: new Date('2026-02-01T00:00:00Z'),
        });
        expect(a.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([['trade', 'published']]);
      }
      return putIfMatch(key, body, meta, etag);
    };

    const b = await publishDatasets({
      source: sourceLocation(ws.root),
      store,
      ids: ['trade-by-year'],
      now: new Date('2026-02-01T00:00:01Z'),
    });

    expect(raced).toBe(true);
    const outcome = b.outcomes.find((each) => each.id === 'trade-by-year');
    expect(outcome?.status).toBe('rejected');
    expect(outcome?.report.issues.map((issue) => issue.message)).toContain(
      `listing trade-by-year 1.0.1 would leave it referring to a row that trade 1.0.1, as listed, does not have (turnover_musd_trade_id=${REFERRED}; foreignKeys/0 of trade-by-year): publish the two together, each changed to match`,
    );
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect([latestOf(catalog, 'trade'), latestOf(catalog, 'trade-by-year')]).toEqual(['1.0.1', '1.0.0']);
    expect(await listedRows(ws.out, catalog, 'trade-by-year')).not.toContain(REFERRED);
  });

  it("are checked against a published file laid out otherwise (pretty-printed throughout) as against the writer's", async () => {
    for (const layout of ['as written', 'pretty-printed'] as const) {
      const ws = await makeWorkspace();
      const store = new LocalDirectoryStore(ws.out);
      await publishDatasets({
        source: sourceLocation(ws.root),
        store,
        now: new Date('2026-01-01T00:00:00Z'),
      });
      if (layout === 'pretty-printed') {
        const key = 'datasets/trade/1.0.0/trade.json';
        const text = `${JSON.stringify(JSON.parse(await readFile(path.join(ws.out, key), 'utf8')), null, 2)}\n`;
        await writeFile(path.join(ws.out, key), text);
        const catalogFile = path.join(ws.out, 'catalog.json');
        const catalog = await readJson<Catalog>(catalogFile);
        for (const file of catalog.datasets.flatMap((d) => d.versions.flatMap((v) => v.distributions)))
          if (file.path === key)
            Object.assign(file, {
              bytes: Buffer.byteLength(text),
              sha256: createHash('sha256').update(text).digest('hex'),
            });
        await writeFile(catalogFile, `${JSON.stringify(catalog, null, 2)}\n`);
      }
      // trade-by-year's 2001 row refers to a trade row that no version of trade has.
      const file = path.join(ws.data, 'trade-by-year.csv');
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace(
          `2001,106.1,${REFERRED},`,
          '2001,106.1,turnover-2001-elsewhere,',
        ),
      );

      const result = await publishDatasets({
        source: sourceLocation(ws.root),
        store,
        ids: ['trade-by-year'],
        now: new Date('2026-02-01T00:00:00Z'),
      });

      const outcome = result.outcomes[0];
      expect([layout, outcome?.status]).toEqual([layout, 'rejected']);
      expect(outcome?.report.issues.map((issue) => issue.message)).toContainEqual(
        expect.stringContaining(
          'no row of trade (as published: datasets/trade/1.0.0/trade.json; its source is not in this run) has id equal to it',
        ),
      );
    }
  });

  it("hold against the keys a listed version recorded, when the referring dataset's source is gone", async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publishDatasets({ source: sourceLocation(ws.root), store, now: new Date('2026-01-01T00:00:00Z') });
    const listed = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    const recorded = listed.datasets.find((d) => d.id === 'trade-by-year')?.versions[0]?.foreignKeys;
    expect(recorded?.[0]).toEqual({
      fields: ['turnover_musd_trade_id'],
      reference: { resource: 'trade', fields: ['id'] },
    });
    await removeTradeRow(ws.data);
    await rm(path.join(ws.data, 'trade-by-year.csv'));

    for (const ids of [undefined, ['trade']]) {
      const trade = await tradeOutcome(ws.root, store, ids);
      expect([ids, trade?.status]).toEqual([ids, 'rejected']);
      expect(trade?.report.issues.map((issue) => issue.message).join('\n')).toContain(
        `would leave the published trade-by-year 1.0.0 referring to a row it no longer has (turnover_musd_trade_id=${REFERRED}; foreignKeys/0 of trade-by-year)`,
      );
    }
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(latestOf(catalog, 'trade')).toBe('1.0.0');
  });

  it('hold when the referred dataset renames the column referred to', async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publishDatasets({ source: sourceLocation(ws.root), store, now: new Date('2026-01-01T00:00:00Z') });
    // trade's id becomes row_id: a major version whose rows no reference to trade's id can find.
    await renameColumn(ws, 'trade', 'id', 'row_id');
    const descriptorFile = path.join(ws.data, 'trade.dataset.json');
    const descriptor = JSON.parse(await readFile(descriptorFile, 'utf8')) as { rules?: unknown };
    delete descriptor.rules;
    await writeFile(descriptorFile, JSON.stringify(descriptor));

    for (const ids of [['trade'], undefined]) {
      const trade = await tradeOutcome(ws.root, store, ids);
      expect([ids, trade?.status]).toEqual([ids, 'rejected']);
      expect(trade?.report.issues.map((issue) => issue.message).join('\n')).toMatch(
        /would leave the published trade-by-year 1\.0\.0 referring to its id \(foreignKeys\/\d of trade-by-year\), which it (would )?no longer ha(s|ve) a column of/,
      );
    }
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(latestOf(catalog, 'trade')).toBe('1.0.0');
  });

  it('a dataset refused is still refused, and said, after the catalog write loses a race', async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publishDatasets({ source: sourceLocation(ws.root), store, now: new Date('2026-01-01T00:00:00Z') });
    // trade loses the row trade-by-year 1.0.0 refers to; visits changes a note (listed normally).
    await removeTradeRow(ws.data);
    const visits = path.join(ws.data, 'visits.csv');
    await writeFile(
      visits,
      (await readFile(visits, 'utf8')).replace('Listed among the visits', 'Listed among visits'),
    );
    // The first catalog write finds the catalog changed (another publisher's write, as the store says).
    let conflicts = 0;
    const putIfMatch = store.putIfMatch.bind(store);
    store.putIfMatch = async (key: string, body: PutBody, meta: ObjectMeta, etag: string | undefined) => {
      if (key === 'catalog.json' && conflicts === 0) {
        conflicts++;
        return { status: 'conflict' } as const;
      }
      return putIfMatch(key, body, meta, etag);
    };

    const result = await publishDatasets({
      source: sourceLocation(ws.root),
      store,
      now: new Date('2026-02-01T00:00:00Z'),
    });

    expect(conflicts).toBe(1);
    expect(result.outcomes.find((outcome) => outcome.id === 'visits')?.status).toBe('published');
    expect(result.outcomes.find((outcome) => outcome.id === 'trade')?.status).toBe('rejected');
    expect(result.outcomes.find((outcome) => outcome.id === 'enterprises')?.status).toBe('unchanged');
    expect(result.notInSource).toEqual([]);
  });

  it('a listed version that declared no foreign keys is not judged by keys its source declares later', async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publishDatasets({ source: sourceLocation(ws.root), store, now: new Date('2026-01-01T00:00:00Z') });
    // trade-by-year 1.0.1 drops its foreign keys (the columns and values stay), and its rules comparing its
    // rows with trade's, which the commit holds to the listed versions too (cross-dataset-rules.test.ts).
    const descriptorFile = path.join(ws.data, 'trade-by-year.dataset.json');
    const original = await readFile(descriptorFile, 'utf8');
    const descriptor = JSON.parse(original) as {
      foreignKeys?: unknown;
      rules?: { reference?: { resource?: string } }[];
    };
    delete descriptor.foreignKeys;
    const rules = descriptor.rules?.filter((rule) => rule.reference?.resource !== 'trade') ?? [];
    if (rules.length === 0) delete descriptor.rules;
    else descriptor.rules = rules;
    await writeFile(descriptorFile, JSON.stringify(descriptor));
    const second = await publishDatasets({
      source: sourceLocation(ws.root),
      store,
      now: new Date('2026-02-01T00:00:00Z'),
    });
    expect(second.outcomes.find((outcome) => outcome.id === 'trade-by-year')?.status).toBe('published');
    const listed = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    const dataset = listed.datasets.find((each) => each.id === 'trade-by-year');
    expect(dataset?.versions.find((version) => version.version === dataset.latest)?.foreignKeys).toEqual([]);
    // The curator puts the keys back in the source (not valid yet), and trade drops the row.
    await writeFile(descriptorFile, original);
    await removeTradeRow(ws.data);

    const third = await publishDatasets({
      source: sourceLocation(ws.root),
      store,
      now: new Date('2026-03-01T00:00:00Z'),
    });

    expect(third.outcomes.find((outcome) => outcome.id === 'trade-by-year')?.status).toBe('rejected');
    const trade = third.outcomes.find((outcome) => outcome.id === 'trade');
    // No listed version declares a reference to trade: nothing published would dangle.
    expect([trade?.status, trade?.report.issues.map((issue) => issue.message)]).toEqual(['published', []]);
  });

  it("lists nothing unchecked: a referring version whose published file is not the catalog's holds back the referred one", async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publishDatasets({ source: sourceLocation(ws.root), store, now: new Date('2026-01-01T00:00:00Z') });
    // trade-by-year's published rows altered in place, its size kept: the catalog's SHA-256 no longer holds.
    const published = path.join(ws.out, 'datasets/trade-by-year/1.0.0/trade-by-year.json');
    const text = await readFile(published, 'utf8');
    const altered = text.replace(`"${REFERRED}"`, `"${REFERRED.replace('2001', '2009')}"`);
    expect(altered.length).toBe(text.length);
    await writeFile(published, altered);
    await removeTradeRow(ws.data);

    const trade = await tradeOutcome(ws.root, store, ['trade']);

    expect(trade?.status).toBe('rejected');
    expect(trade?.report.issues.map((issue) => issue.message)).toContain(
      'listing trade 1.0.1 would list it unchecked against foreignKeys/0 of trade-by-year: datasets/trade-by-year/1.0.0/trade-by-year.json, the published version of "trade-by-year", is not the file the catalog lists (its size or SHA-256 differ): restore it, or run verify',
    );
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(latestOf(catalog, 'trade')).toBe('1.0.0');
  });
});
