import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetDocument } from '../../lambda/core/dataset-document.js';
import { chartsFor, MAX_CHART_ROWS } from '../../lambda/core/site/charts.js';
import { makeWorkspace, readJson, publishWorkspace } from '../support/workspace.js';

describe('chart limits', () => {
  it('draws the trade chart for the curated rows but none once a dataset outgrows a readable chart', async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws, 'trade');
    const document = await readJson<DatasetDocument>(path.join(ws.out, 'datasets/trade/latest/trade.json'));
    const template = document.rows[0] ?? {};
    const big = {
      ...document,
      rows: Array.from({ length: MAX_CHART_ROWS + 1 }, (_, i) => ({
        ...template,
        id: `row-${i}`,
        year: 2001 + (i % 19),
      })),
    };

    expect(chartsFor(document).map((chart) => chart.name)).toEqual(['chart-turnover']);
    expect(chartsFor(big)).toEqual([]);
    // The site holds only the first rows of a large dataset: the total from the catalog decides.
    expect(chartsFor(document, MAX_CHART_ROWS)).toHaveLength(1);
    expect(chartsFor(document, MAX_CHART_ROWS + 1)).toEqual([]);
    expect(await readFile(path.join(ws.out, 'datasets/trade/chart-turnover.svg'), 'utf8')).toContain(
      '<title',
    );
  });
});
