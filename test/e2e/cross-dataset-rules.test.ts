/**
 * A rule comparing one dataset's rows with another's (an `equals` rule naming another dataset) holds
 * between their versions as the catalog lists them, as a foreign key does (reference-integrity.test.ts):
 * validation checks it against the run's sources, and the commit checks it again against the catalog
 * it writes, where a dataset rejected in the same run, or left out of a run of some datasets, keeps its
 * published version.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { makeWorkspace, readJson } from '../support/workspace.js';

/** trade's 2015 turnover, which trade-by-year's 2015 row repeats (rule turnover-musd-from-trade). */
async function setTradeTurnover2015(data: string, value: string): Promise<void> {
  const file = path.join(data, 'trade.csv');
  const text = await readFile(file, 'utf8');
  const edited = text.replace(
    /^turnover-2015-series,2015,turnover,value,[^,]*,/m,
    `turnover-2015-series,2015,turnover,value,${value},`,
  );
  expect(edited).not.toBe(text);
  await writeFile(file, edited);
}

async function setTradeByYear2015(data: string, value: string): Promise<void> {
  const file = path.join(data, 'trade-by-year.csv');
  const text = await readFile(file, 'utf8');
  const edited = text.replace(/^2015,[^,]*,turnover-2015-series,/m, `2015,${value},turnover-2015-series,`);
  expect(edited).not.toBe(text);
  await writeFile(file, edited);
}

async function edit(file: string, change: (text: string) => string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const edited = change(text);
  expect(edited).not.toBe(text);
  await writeFile(file, edited);
}

function latestOf(catalog: Catalog, id: string): string | undefined {
  return catalog.datasets.find((dataset) => dataset.id === id)?.latest;
}

async function publish(root: string, store: LocalDirectoryStore, month: number, ids?: string[]) {
  const result = await publishDatasets({
    source: sourceLocation(root),
    store,
    ...(ids === undefined ? {} : { ids }),
    now: new Date(Date.UTC(2026, month, 1)),
  });
  const outcome = (id: string) => result.outcomes.find((entry) => entry.id === id);
  return { result, outcome };
}

const BROKEN =
  'would break the rule turnover-musd-from-trade of trade-by-year 1.0.0, as published (1 row: turnover_musd is 116.8 but value_musd of the row of trade 1.0.1 with id=turnover-2015-series is 117): publish the two together, trade-by-year changed to match';

/** Said before trade is staged, in a run that leaves trade-by-year as published: against trade's source. */
const BROKEN_BY_SOURCE =
  'publishing it would break the rule turnover-musd-from-trade of the published trade-by-year 1.0.0 (1 row: turnover_musd is 116.8 but value_musd of the row of trade (data/trade.csv) with id=turnover-2015-series is 117): publish the two together, trade-by-year changed to match';

describe('rules between datasets, as listed', () => {
  it('are recorded with each version: the equals rules naming another dataset, without a known conflict', async () => {
    const ws = await makeWorkspace();
    await publish(ws.root, new LocalDirectoryStore(ws.out), 0);

    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    const recorded = catalog.datasets.find((d) => d.id === 'trade-by-year')?.versions[0]?.crossDatasetRules;
    expect(recorded?.[0]).toEqual({
      id: 'turnover-musd-from-trade',
      column: 'turnover_musd',
      fields: ['turnover_musd_trade_id'],
      reference: { resource: 'trade', fields: ['id'], column: 'value_musd' },
    });
    // trade's own rules compare its rows with each other: none is recorded.
    expect(catalog.datasets.find((d) => d.id === 'trade')?.versions[0]?.crossDatasetRules).toEqual([]);
  });

  it('a run of the referred dataset alone does not list a version the published one disagrees with', async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publish(ws.root, store, 0);
    await setTradeTurnover2015(ws.data, '117');

    const { outcome } = await publish(ws.root, store, 1, ['trade']);

    expect(outcome('trade')?.status).toBe('rejected');
    expect(outcome('trade')?.report.issues.map((issue) => issue.message)).toEqual([BROKEN_BY_SOURCE]);
    expect(outcome('trade')?.report.issues[0]?.code).toBe('rule-error');
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(latestOf(catalog, 'trade')).toBe('1.0.0');
    // Refused before it was staged: no version folder is left to adopt or skip.
    expect(existsSync(path.join(ws.out, 'datasets/trade/1.0.1'))).toBe(false);
  });

  it('a run that rejects the dataset with the rule does not list the other', async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publish(ws.root, store, 0);
    await setTradeTurnover2015(ws.data, '117');

    const { outcome } = await publish(ws.root, store, 1);

    expect(outcome('trade-by-year')?.status).toBe('rejected');
    expect(outcome('trade')?.status).toBe('rejected');
    expect(outcome('trade')?.report.issues.map((issue) => issue.message)).toContain(
      `listing trade 1.0.1 ${BROKEN}`,
    );
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect([latestOf(catalog, 'trade'), latestOf(catalog, 'trade-by-year')]).toEqual(['1.0.0', '1.0.0']);
  });

  it('both changed to match are listed together', async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publish(ws.root, store, 0);
    await setTradeTurnover2015(ws.data, '117');
    await setTradeByYear2015(ws.data, '117');

    const { outcome } = await publish(ws.root, store, 1);

    expect([outcome('trade')?.status, outcome('trade-by-year')?.status]).toEqual(['published', 'published']);
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect([latestOf(catalog, 'trade'), latestOf(catalog, 'trade-by-year')]).toEqual(['1.0.1', '1.0.1']);
  });

  it("hold against the source's rules for a version published before they were recorded", async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publish(ws.root, store, 0);
    const file = path.join(ws.out, 'catalog.json');
    const catalog = await readJson<Catalog>(file);
    const unrecorded = {
      ...catalog,
      datasets: catalog.datasets.map((dataset) => ({
        ...dataset,
        versions: dataset.versions.map(({ crossDatasetRules: _, ...version }) => version),
      })),
    };
    await writeFile(file, `${JSON.stringify(unrecorded, null, 2)}\n`);
    await setTradeTurnover2015(ws.data, '117');

    for (const ids of [['trade'], undefined]) {
      const { outcome } = await publish(ws.root, store, 1, ids);

      expect([ids, outcome('trade')?.status]).toEqual([ids, 'rejected']);
      expect(outcome('trade')?.report.issues.map((issue) => issue.message)).toContain(
        ids === undefined ? `listing trade 1.0.1 ${BROKEN}` : BROKEN_BY_SOURCE,
      );
    }
  });

  it('a rule whose reference key names two rows fails, whichever of them comes first (the published files keep no order but the key)', async () => {
    for (const seriesFirst of [true, false]) {
      const ws = await makeWorkspace();
      // trade's two 2018 turnover rows share conflict=turnover-2018; the series (258.3) first in the CSV, or not.
      if (seriesFirst)
        await edit(path.join(ws.data, 'trade.csv'), (text) => {
          const lines = text.split('\n');
          const comparison = lines.findIndex((line) => line.startsWith('turnover-2018-comparison,'));
          const series = lines.findIndex((line) => line.startsWith('turnover-2018-series,'));
          [lines[comparison], lines[series]] = [lines[series] as string, lines[comparison] as string];
          return lines.join('\n');
        });
      // trade-by-year's 2018 turnover (258.3) is the value_musd of "the" trade row whose conflict is its own.
      await edit(path.join(ws.data, 'trade-by-year.dataset.json'), (text) => {
        const descriptor = JSON.parse(text) as { rules: unknown[] };
        descriptor.rules.push({
          id: 'turnover-musd-of-first-conflict-row',
          kind: 'equals',
          column: 'turnover_musd',
          fields: 'conflict',
          reference: { resource: 'trade', fields: 'conflict', column: 'value_musd' },
        });
        return `${JSON.stringify(descriptor, null, 2)}\n`;
      });

      const { outcome } = await publish(ws.root, new LocalDirectoryStore(ws.out), 0);

      // Validation's verdict cannot hang on the order of the CSV's rows: the rule does not say which row it means.
      const issues = outcome('trade-by-year')?.report.issues.map(
        (issue) => `${issue.code}: ${issue.message}`,
      );
      expect([seriesFirst, issues]).toEqual([
        seriesFirst,
        [
          "rule-error: rule turnover-musd-of-first-conflict-row: 2 rows of trade (data/trade.csv) have conflict=turnover-2018, so the rule cannot tell which one's value_musd turnover_musd must equal: the rule's reference.fields must name one row",
        ],
      ]);
      expect(outcome('trade-by-year')?.status).toBe('rejected');
    }
  });

  it('a run of the referred dataset that drops the column a published rule compares is refused, as for a foreign key', async () => {
    const ws = await makeWorkspace();
    const store = new LocalDirectoryStore(ws.out);
    await publish(ws.root, store, 0);
    // trade renames value_musd (which trade-by-year's rule turnover-musd-from-trade compares) to value_million_usd.
    await edit(path.join(ws.data, 'trade.csv'), (text) =>
      text.replace(/^id,year,flow,measure,value_musd,/, 'id,year,flow,measure,value_million_usd,'),
    );
    await edit(path.join(ws.data, 'trade.dataset.json'), (text) =>
      text.replaceAll('"value_musd"', '"value_million_usd"'),
    );
    await edit(path.join(ws.schemas, 'trade.schema.json'), (text) =>
      text.replaceAll('value_musd', 'value_million_usd'),
    );

    const { outcome } = await publish(ws.root, store, 1, ['trade']);

    // As the foreign key's check refuses trade when a published dataset refers to a column it drops, the rule's
    // check must: listed, trade-by-year 1.0.0's rule compares with a column trade no longer has (a later run of
    // trade-by-year, unchanged, is then rejected: 'rule turnover-musd-from-trade cannot be checked: "value_musd"
    // is not a column of the dataset "trade" (as published: datasets/trade/2.0.0/trade.json; ...)').
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(outcome('trade')?.report.issues.map((issue) => issue.code)).toContain('rule-error');
    expect(latestOf(catalog, 'trade')).toBe('1.0.0');
  });
});
