import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetDocument } from '../../lambda/core/dataset-document.js';
import type { Row } from '../../lambda/core/row-schema.js';
import {
  CHART_CAPS,
  chartNotes,
  chartsOf,
  type ChartOutcome,
  MAX_CHART_ROWS,
} from '../../lambda/core/site/charts.js';
import { makeWorkspace, publishCraftedWorkspace, publishWorkspace, readJson } from '../support/workspace.js';

/**
 * The published document of a curated dataset, its rows replaced by `count` made from its first row
 * (a column given as undefined is left empty).
 */
function withRows(
  document: DatasetDocument,
  count: number,
  row: (i: number) => Record<string, Row[string] | undefined>,
): DatasetDocument {
  const template = document.rows[0] ?? {};
  const made = (i: number): Row =>
    Object.fromEntries(
      Object.entries({ ...template, ...row(i) }).filter(
        (entry): entry is [string, Row[string]] => entry[1] !== undefined,
      ),
    );
  return { ...document, rows: Array.from({ length: count }, (_, i) => made(i)) };
}

function only(outcomes: readonly ChartOutcome[]): ChartOutcome {
  expect(outcomes).toHaveLength(1);
  return outcomes[0] as ChartOutcome;
}

function reasonOf(outcome: ChartOutcome): string | undefined {
  return outcome.status === 'left-out' ? outcome.chart.reason : undefined;
}

describe('a chart over a cap is not drawn, and says so', () => {
  const documents: Record<string, DatasetDocument> = {};
  beforeAll(async () => {
    const ws = await makeWorkspace();
    const published = await publishWorkspace(ws, 'transport', 'trade', 'milestones', 'visits');
    expect(published.code).toBe(0);
    for (const id of ['transport', 'trade', 'milestones', 'visits'])
      documents[id] = await readJson<DatasetDocument>(path.join(ws.out, `datasets/${id}/latest/${id}.json`));
  }, 60_000);
  const doc = (id: string): DatasetDocument => documents[id] as DatasetDocument;

  it('bars: at most CHART_CAPS.bars bars and CHART_CAPS.panels panels', () => {
    const bars = (count: number, panels: number): ChartOutcome =>
      only(
        chartsOf(
          withRows(doc('transport'), count, (i) => ({
            id: `row-${i}`,
            measure: `measure-${i}`,
            route: '',
            unit: `unit-${i % panels}`,
            value: i + 1,
          })),
        ),
      );
    expect(bars(CHART_CAPS.bars, 1).status).toBe('drawn');
    expect(reasonOf(bars(CHART_CAPS.bars + 1, 1))).toBe(
      `it has ${CHART_CAPS.bars + 1} bars, more than the ${CHART_CAPS.bars} a chart can show`,
    );
    expect(bars(CHART_CAPS.panels, CHART_CAPS.panels).status).toBe('drawn');
    expect(reasonOf(bars(CHART_CAPS.panels + 1, CHART_CAPS.panels + 1))).toBe(
      `it has ${CHART_CAPS.panels + 1} panels (values of unit), more than the ${CHART_CAPS.panels} a chart can show`,
    );
  });

  it('series: at most CHART_CAPS.points points and CHART_CAPS.lanes lines', () => {
    const series = (count: number, lanes: number): ChartOutcome =>
      only(
        chartsOf(
          withRows(doc('trade'), count, (i) => ({
            id: `row-${i}`,
            year: 1000 + Math.floor(i / lanes),
            flow: `flow-${i % lanes}`,
            measure: 'value',
            value_musd: i,
            flagged: false,
          })),
        ),
      );
    expect(series(CHART_CAPS.points, 2).status).toBe('drawn');
    expect(reasonOf(series(CHART_CAPS.points + 1, 2))).toBe(
      `it has ${CHART_CAPS.points + 1} points, more than the ${CHART_CAPS.points} a chart can show`,
    );
    expect(series(CHART_CAPS.lanes * 2, CHART_CAPS.lanes).status).toBe('drawn');
    expect(reasonOf(series((CHART_CAPS.lanes + 1) * 2, CHART_CAPS.lanes + 1))).toBe(
      `it has ${CHART_CAPS.lanes + 1} lines (values of flow), more than the ${CHART_CAPS.lanes} a chart can show`,
    );
  }, 30_000);

  it('timeline: at most CHART_CAPS.entries entries and CHART_CAPS.lanes lanes', () => {
    const timeline = (count: number, lanes: number): ChartOutcome =>
      only(
        chartsOf(
          withRows(doc('visits'), count, (i) => ({
            id: `row-${i}`,
            year: 2000 + Math.floor(i / 10),
            start_date: `${2000 + Math.floor(i / 10)}-01-01`,
            visitor: `visitor-${i % lanes}`,
            flagged: false,
          })),
        ),
      );
    expect(timeline(CHART_CAPS.entries, 1).status).toBe('drawn');
    expect(reasonOf(timeline(CHART_CAPS.entries + 1, 1))).toBe(
      `it has ${CHART_CAPS.entries + 1} dated entries, more than the ${CHART_CAPS.entries} a chart can show`,
    );
    expect(reasonOf(timeline(CHART_CAPS.lanes + 1, CHART_CAPS.lanes + 1))).toBe(
      `it has ${CHART_CAPS.lanes + 1} lanes (values of visitor), more than the ${CHART_CAPS.lanes} a chart can show`,
    );
  });

  it('any chart: at most CHART_CAPS.height px tall, within the other caps', () => {
    // Every entry in a year of its own, a year apart from the next: a line, a gap note and a group's margin each.
    const tall = only(
      chartsOf(
        withRows(doc('milestones'), CHART_CAPS.entries, (i) => ({
          id: `row-${i}`,
          date: `${1000 + 2 * i}-01-01`,
          year: 1000 + 2 * i,
          date_precision: 'day',
          flagged: false,
        })),
      ),
    );
    expect(tall.status).toBe('left-out');
    expect(reasonOf(tall)).toMatch(
      new RegExp(`^drawn, it would be [0-9,]+ px tall, more than the 4,000 px a chart can be$`),
    );
    // Not drawn, its rows are still there to link: one per entry, with the header.
    expect(tall.chart.csv?.trimEnd().split('\n')).toHaveLength(CHART_CAPS.entries + 1);
  });

  it('cuts text from a cell to CHART_CAPS.text in the drawing and its description', () => {
    const long = 'x'.repeat(100_000);
    const outcome = only(
      chartsOf(
        withRows(doc('milestones'), 3, (i) => ({
          id: `row-${i}`,
          date: `${2000 + i}-01-01`,
          year: 2000 + i,
          date_precision: 'day',
          title: long,
        })),
      ),
    );
    if (outcome.status !== 'drawn') throw new Error('not drawn');
    expect(outcome.chart.svg).not.toContain('x'.repeat(CHART_CAPS.text + 1));
    expect(outcome.chart.svg).toContain(`${'x'.repeat(CHART_CAPS.text)}…`);
    expect(outcome.chart.description.length).toBeLessThan(4 * CHART_CAPS.text);
    expect(outcome.chart.svg.length).toBeLessThan(100_000);
  });

  it('a chart with nothing to draw is left out, saying why, rather than missing without a word', () => {
    // trade's chart draws value_musd by year, where measure is value and flow is turnover.
    const trade = (count: number): ChartOutcome =>
      only(
        chartsOf(
          withRows(doc('trade'), count, (i) => ({
            id: `row-${i}`,
            year: 2000 + i,
            flow: 'turnover',
            measure: 'value',
            value_musd: i,
          })),
        ),
      );
    expect(trade(2).status).toBe('drawn');
    expect(reasonOf(trade(1))).toBe('it has 1 point, and a line needs at least 2');
    const noValue = only(
      chartsOf(withRows(doc('trade'), 3, (i) => ({ id: `row-${i}`, year: 2000 + i, value_musd: undefined }))),
    );
    expect(reasonOf(noValue)).toBe('no row has a value in value_musd to draw');
    // transport's bars draw value; visits' timeline places each row by start_date or year.
    expect(
      reasonOf(only(chartsOf(withRows(doc('transport'), 3, (i) => ({ id: `row-${i}`, value: undefined }))))),
    ).toBe('no row has a value in value to draw');
    const undated = withRows(doc('visits'), 3, (i) => ({
      id: `row-${i}`,
      start_date: undefined,
      year: undefined,
    }));
    expect(reasonOf(only(chartsOf(undated)))).toBe('no row has a date or year to place');
    expect(chartNotes(undated)).toEqual([
      `chart "${doc('visits').charts?.[0]?.name ?? ''}" not drawn: no row has a date or year to place`,
    ]);
  });

  it('a chart of values too large to scale is left out, saying why, rather than drawn with NaN', () => {
    const huge = (sign: number) =>
      only(
        chartsOf(
          withRows(doc('trade'), 3, (i) => ({
            id: `row-${i}`,
            year: 2000 + i,
            flow: 'turnover',
            measure: 'value',
            value_musd: i === 1 ? sign * 1.7e308 : i,
          })),
        ),
      );
    expect(reasonOf(huge(1))).toBe('it holds 1.700e+308, too large for an axis to reach past');
    expect(reasonOf(huge(-1))).toBe('it holds 1.700e+308, too large for an axis to reach past');
    const bars = only(
      chartsOf(withRows(doc('transport'), 2, (i) => ({ id: `row-${i}`, measure: `m-${i}`, value: 1e308 }))),
    );
    expect(reasonOf(bars)).toBe('it holds 1.000e+308, too large for an axis to reach past');
    // Large but within reach: drawn, with no NaN in it.
    const large = only(
      chartsOf(withRows(doc('trade'), 3, (i) => ({ id: `row-${i}`, year: 2000 + i, value_musd: 1e300 * i }))),
    );
    if (large.status !== 'drawn') throw new Error(`not drawn: ${reasonOf(large) ?? ''}`);
    expect(large.chart.svg).not.toContain('NaN');
  });

  it('a dataset over the row window: every declared chart is left out, saying why', () => {
    const document = doc('trade');
    expect(chartsOf(document, MAX_CHART_ROWS + 1)).toEqual([
      {
        status: 'left-out',
        chart: {
          name: 'chart-turnover',
          title: document.charts?.[0]?.title,
          reason: `the dataset has 2,001 rows, and charts are drawn for at most 2,000`,
          svg: expect.stringContaining('Not drawn: the dataset has 2,001 rows') as string,
        },
      },
    ]);
    expect(chartNotes(document, MAX_CHART_ROWS + 1)).toEqual([
      'chart "turnover" not drawn: the dataset has 2,001 rows, and charts are drawn for at most 2,000',
    ]);
    expect(chartNotes(document)).toEqual([]);
  });
});

describe('publishing a chart that is not drawn', () => {
  it('says so once in the output and in the chart’s place on the page, linking its values, and replaces its drawing', async () => {
    const ws = await makeWorkspace();
    const descriptor = (id: string) => ({
      id,
      title: 'Generated dataset',
      description: 'A generated dataset with more categories than a chart can show.',
      license: 'CC-BY-4.0',
      publisher: { name: 'test' },
      source: { citation: 'Generated data', authors: ['Test'], title: 'Generated', file: 'none.txt' },
      keywords: ['test'],
      temporalCoverage: { start: '2000-01-01', end: '2000-12-31' },
      spatialCoverage: [{ name: 'Kazakhstan', iso3166: 'KZ' }],
      primaryKey: ['id'],
      columns: [
        { name: 'id', description: 'The row number.' },
        { name: 'cat', description: 'The category named by the row.' },
        { name: 'v', description: 'The number drawn for the category.' },
      ],
      charts: [{ name: 'b', kind: 'bars', title: 'Values by category', x: 'cat', y: 'v' }],
    });
    const schema = {
      type: 'object',
      properties: { id: { type: 'integer' }, cat: { type: 'string' }, v: { type: 'number' } },
      required: ['id'],
      additionalProperties: false,
    };
    const write = async (id: string, rows: number, categories: number): Promise<void> => {
      await writeFile(path.join(ws.data, `${id}.dataset.json`), JSON.stringify(descriptor(id)));
      await writeFile(path.join(ws.schemas, `${id}.schema.json`), JSON.stringify(schema));
      const lines = Array.from({ length: rows }, (_, i) => `${i + 1},category-${i % categories},${i}`);
      await writeFile(path.join(ws.data, `${id}.csv`), `id,cat,v\n${lines.join('\n')}\n`);
    };
    // First drawn (at the cap), so that the run over it has a drawing to replace.
    await write('many', CHART_CAPS.bars, CHART_CAPS.bars);
    expect((await publishCraftedWorkspace(ws, 'many')).stdout).not.toContain('not drawn');
    expect(await readFile(path.join(ws.out, 'datasets/many/chart-b.svg'), 'utf8')).toContain('<rect x="8"');
    await write('many', CHART_CAPS.bars + 1, CHART_CAPS.bars + 1);
    await write('big', MAX_CHART_ROWS + 1, 3);

    const { code, stdout } = await publishCraftedWorkspace(ws, 'many', 'big');

    expect(code).toBe(0);
    const notes = stdout.split('\n').filter((line) => line.includes('not drawn'));
    expect(notes).toEqual([
      '      chart "b" not drawn: the dataset has 2,001 rows, and charts are drawn for at most 2,000',
      `      chart "b" not drawn: it has ${CHART_CAPS.bars + 1} bars, more than the ${CHART_CAPS.bars} a chart can show`,
    ]);
    expect(stdout).toMatch(/^big {3}published 1\.0\.0 .*\n {6}chart "b" not drawn: the dataset has/m);

    const folder = (id: string) => path.join(ws.out, 'datasets', id);
    const page = (await readFile(path.join(folder('many'), 'index.html'), 'utf8')).replace(/\s+/g, ' ');
    expect(page).toContain(
      `Values by category: this chart is not drawn, as it has ${CHART_CAPS.bars + 1} bars, more than the ${CHART_CAPS.bars} a chart can show.`,
    );
    expect(page).toContain('<a href="chart-data/chart-b.csv">its data (CSV)</a>');
    expect(page).not.toContain('class="chart-wide"');
    // The chart's own addresses show why it is not drawn, not a drawing an earlier version left there.
    const picture = await readFile(path.join(folder('many'), 'chart-b.svg'), 'utf8');
    expect(picture).toContain(`Not drawn: it has ${CHART_CAPS.bars + 1} bars`);
    expect(picture).not.toContain('<rect x="8"');
    expect(existsSync(path.join(folder('many'), 'chart-b.png'))).toBe(true);
    const data = await readFile(path.join(folder('many'), 'chart-data/chart-b.csv'), 'utf8');
    expect(data.trimEnd().split('\n')).toHaveLength(CHART_CAPS.bars + 2);

    const bigPage = (await readFile(path.join(folder('big'), 'index.html'), 'utf8')).replace(/\s+/g, ' ');
    expect(bigPage).toContain(
      'Values by category: this chart is not drawn, as the dataset has 2,001 rows, and charts are drawn for at most 2,000. Its values are in the files under <a href="#downloads">Downloads</a>.',
    );
    expect(existsSync(path.join(folder('big'), 'chart-data'))).toBe(false);
    expect(await readFile(path.join(folder('big'), 'chart-b.svg'), 'utf8')).toContain(
      'Not drawn: the dataset has 2,001 rows',
    );
  }, 60_000);
});
