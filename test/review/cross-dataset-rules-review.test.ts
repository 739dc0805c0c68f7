/**
 * Review of 867f8bc (the commit's check of equals rules between datasets): cases where it does not say
 * what validation's equals rule says.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { makeWorkspace, readJson } from '../support/workspace.js';

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

async function edit(file: string, change: (text: string) => string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const edited = change(text);
  expect(edited).not.toBe(text);
  await writeFile(file, edited);
}

function latestOf(catalog: Catalog, id: string): string | undefined {
  return catalog.datasets.find((dataset) => dataset.id === id)?.latest;
}

describe('review: equals rules between datasets at the commit', () => {
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
