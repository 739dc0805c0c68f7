import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { DatasetDescriptor } from '../../lambda/core/descriptor.js';
import { readJson, REPO_ROOT } from '../support/workspace.js';

// The tidy series is curated by hand like every other file in data/; this test rebuilds it from the
// long-format trade rows and requires the two to agree cell for cell, so neither can drift alone.

async function table(id: string): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  const parsed = Papa.parse<Record<string, string>>(
    await readFile(path.join(REPO_ROOT, 'data', `${id}.csv`), 'utf8'),
    { header: true, skipEmptyLines: true },
  );
  return { header: parsed.meta.fields ?? [], rows: parsed.data };
}

const trade = await table('trade');
const tidy = await table('trade-by-year');
const descriptor = await readJson<DatasetDescriptor>(path.join(REPO_ROOT, 'data', 'trade-by-year.dataset.json'));

/** The tidy column a long-format value row belongs in: one per flow, and one for the comparison-base reading. */
function columnFor(row: Record<string, string>): string {
  if (row.flow === 'turnover' && row.id?.endsWith('-comparison')) return 'turnover_2019_base_musd';
  return `${(row.flow ?? '').replaceAll('-', '_')}_musd`;
}

const levels = trade.rows.filter((row) => row.measure === 'value');
const valueColumns = [...new Set(levels.map(columnFor))];

describe('trade-by-year, the tidy series, against the long-format trade rows', () => {
  it('has one row per year from 2001 to 2019, in year order, gaps included', () => {
    expect(tidy.rows.map((row) => Number(row.year))).toEqual(
      Array.from({ length: 19 }, (_, index) => 2001 + index),
    );
  });

  it('has a value column for every flow and reading, each followed by the trade row it comes from', () => {
    expect(valueColumns).toHaveLength(4);
    expect(tidy.header).toEqual([
      'year',
      ...valueColumns
        .sort((a, b) => tidy.header.indexOf(a) - tidy.header.indexOf(b))
        .flatMap((column) => [column, `${column}_trade_id`]),
      'flagged',
      'conflict',
      'note',
    ]);
    for (const column of valueColumns)
      expect(descriptor.columns.find((entry) => entry.name === column)?.unit, column).toBe('million USD');
  });

  it('holds exactly the value rows of trade, each once, in its year and column, as written', () => {
    const expected = tidy.rows.map((row) => {
      const cells: Record<string, string> = {};
      for (const column of valueColumns) {
        const from = levels.filter((level) => level.year === row.year && columnFor(level) === column);
        expect(from.length, `${row.year} ${column}`).toBeLessThanOrEqual(1);
        cells[column] = from[0]?.value_musd ?? '';
        cells[`${column}_trade_id`] = from[0]?.id ?? '';
      }
      return cells;
    });
    const actual = tidy.rows.map((row) =>
      Object.fromEntries(Object.keys(expected[0] ?? {}).map((column) => [column, row[column]])),
    );

    expect(actual).toEqual(expected);
    const referenced = tidy.rows.flatMap((row) =>
      valueColumns.map((column) => row[`${column}_trade_id`]).filter((id) => id !== ''),
    );
    expect(referenced.sort()).toEqual(levels.map((row) => row.id).sort());
  });

  it('leaves a year empty exactly when the paper gives no figure for it', () => {
    const empty = tidy.rows
      .filter((row) => valueColumns.every((column) => row[column] === ''))
      .map((row) => Number(row.year));
    const stated = new Set(levels.map((row) => Number(row.year)));

    expect(empty).toEqual(Array.from({ length: 10 }, (_, index) => 2004 + index));
    expect(empty.filter((year) => stated.has(year))).toEqual([]);
  });

  it('flags a year exactly when one of its figures comes from a flagged trade row, with the same conflict', () => {
    const byId = new Map(trade.rows.map((row) => [row.id, row]));
    for (const row of tidy.rows) {
      const conflicts = [
        ...new Set(
          valueColumns
            .map((column) => byId.get(row[`${column}_trade_id`] ?? ''))
            .filter((source) => source?.flagged === 'true')
            .map((source) => source?.conflict),
        ),
      ];
      expect([row.flagged, row.conflict], row.year).toEqual(
        conflicts.length === 0 ? ['false', ''] : ['true', conflicts.join(' ')],
      );
    }
    expect(tidy.rows.find((row) => row.year === '2018')).toMatchObject({
      turnover_musd: '258.3',
      turnover_2019_base_musd: '220.54',
      flagged: 'true',
    });
  });
});
