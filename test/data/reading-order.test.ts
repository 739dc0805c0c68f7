import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../lambda/core/canonical.js';
import type { DatasetDescriptor } from '../../lambda/core/descriptor.js';
import { readJson, REPO_ROOT } from '../support/workspace.js';

// How the curated tables read to an analyst: in time order, one vocabulary for how precisely a row is
// dated, and no integer column that silently turns into floats in pandas.

const DATA = path.join(REPO_ROOT, 'data');
const ids = (await readdir(DATA))
  .filter((name) => name.endsWith('.dataset.json'))
  .map((name) => name.slice(0, -'.dataset.json'.length))
  .sort();

interface ColumnSchema {
  type?: string;
  description?: string;
  enum?: string[];
}

async function load(id: string) {
  const rows = Papa.parse<Record<string, string>>(await readFile(path.join(DATA, `${id}.csv`), 'utf8'), {
    header: true,
    skipEmptyLines: true,
  }).data;
  const descriptor = await readJson<DatasetDescriptor>(path.join(DATA, `${id}.dataset.json`));
  const schema = await readJson<{ properties: Record<string, ColumnSchema> }>(
    path.join(REPO_ROOT, 'schemas', `${id}.schema.json`),
  );
  return { rows, descriptor, schema };
}

const datasets = new Map(await Promise.all(ids.map(async (id) => [id, await load(id)] as const)));

/** The one vocabulary for date precision (see the milestones schema for what each value means). */
const PRECISIONS = ['day', 'month', 'season', 'year', 'decade', 'month-day', 'undated'];

const SEASONS: Record<string, string> = { spring: '21', summer: '22', autumn: '23', fall: '23', winter: '24' };

/** The first year of the decade a row's wording names ('since the 1990s', 'since the 80s of the last century'). */
function decadeOf(row: Record<string, string>): number | undefined {
  const digits = /\b(\d{2}|\d{4})s\b/.exec(row.paper_wording ?? '')?.[1];
  if (digits === undefined) return undefined;
  return digits.length === 2 ? 1900 + Number(digits) : Number(digits);
}

/** The EDTF date a row's other date columns say, built independently of the stored one. */
function expectedEdtf(row: Record<string, string>): string {
  const start = row.date ?? row.start_date ?? '';
  const month = (row.month ?? '').padStart(2, '0');
  switch (row.date_precision) {
    case 'day':
      return row.end_date ? `${start}/${row.end_date}` : start;
    case 'month':
      return `${row.year}-${month}`;
    case 'season': {
      const season = Object.keys(SEASONS).find((name) => (row.paper_wording ?? '').toLowerCase().includes(name));
      return `${row.year}-${SEASONS[season ?? ''] ?? '??'}`;
    }
    case 'year':
      return row.end_year ? `${row.year}/${row.end_year}` : (row.year ?? '');
    case 'decade':
      return `${decadeOf(row) ?? '????'}`.slice(0, 3) + 'X';
    case 'month-day':
      return `XXXX-${month}-${/\d+/.exec(row.paper_wording ?? '')?.[0]?.padStart(2, '0') ?? '??'}`;
    default:
      return 'XXXX';
  }
}

describe('reading order and types of the curated datasets', () => {
  it('puts every time-indexed dataset in time order through its primary key', () => {
    const keys = Object.fromEntries(ids.map((id) => [id, datasets.get(id)?.descriptor.primaryKey]));

    expect(keys).toMatchObject({
      trade: ['year', 'id'],
      'trade-by-year': ['year'],
      transport: ['year', 'id'],
      visits: ['date_edtf', 'id'],
      milestones: ['date_edtf', 'id'],
      enterprises: ['date_edtf', 'id'],
    });
  });

  it.each(ids)('%s is stored in primary-key order, as it is published', (id) => {
    const { rows, descriptor, schema } = datasets.get(id) ?? expect.unreachable();
    const numeric = (name: string) => ['integer', 'number'].includes(schema.properties[name]?.type ?? '');
    const keyOf = (row: Record<string, string>) =>
      descriptor.primaryKey.map((name) => (numeric(name) ? Number(row[name]) : (row[name] ?? '')));
    const sorted = [...rows].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));

    expect(rows.map((row) => keyOf(row).join('|'))).toEqual(sorted.map((row) => keyOf(row).join('|')));
  });

  it.each(['visits', 'milestones', 'enterprises'])("%s: date_edtf says what the row's date columns say", (id) => {
    const { rows } = datasets.get(id) ?? expect.unreachable();
    const wrong = rows.filter((row) => row.date_edtf !== expectedEdtf(row)).map((row) => row.id);

    expect(rows.length).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });

  it.each(['visits', 'milestones', 'enterprises'])(
    '%s reads in calendar order: a year before its months, a season before the first month it covers',
    (id) => {
      const { rows } = datasets.get(id) ?? expect.unreachable();
      // The first month a row's date can fall in, from the year, month and wording columns alone
      // (0 for a bare year, before its months; winter is the one at the start of its year; a decade before its years).
      const FIRST_MONTH: Record<string, number> = { winter: 1, spring: 3, summer: 6, autumn: 9, fall: 9 };
      const startOf = (row: Record<string, string>): [number, number, string] => {
        // A decade comes before the years inside it.
        if (row.date_precision === 'decade') return [(decadeOf(row) ?? NaN) - 0.5, 0, ''];
        if (row.year === undefined || row.year === '') return [Infinity, 0, ''];
        const wording = (row.paper_wording ?? '').toLowerCase();
        const season = Object.keys(FIRST_MONTH).find((name) => wording.includes(name));
        const month =
          row.date_precision === 'season' ? (FIRST_MONTH[season ?? ''] ?? 13) - 0.5 : Number(row.month || 0);
        return [Number(row.year), month, row.date ?? row.start_date ?? ''];
      };
      const outOfOrder = rows.slice(1).flatMap((row, i) => {
        const [a, b] = [startOf(rows[i] ?? {}), startOf(row)];
        const before = a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] <= b[2];
        return before ? [] : [`${rows[i]?.id} before ${row.id}`];
      });

      expect(rows.length).toBeGreaterThan(1);
      expect(outOfOrder).toEqual([]);
    },
  );

  it("transport: date_precision says how precisely the period's words date it", () => {
    const { rows } = datasets.get('transport') ?? expect.unreachable();
    const MONTH = /\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}\b/;
    const precisionOf = (period: string) =>
      MONTH.test(period) ? 'day' : /spring|summer|autumn|fall|winter/i.test(period) ? 'season' : 'year';
    const wrong = rows.filter((row) => row.date_precision !== precisionOf(row.period ?? '')).map((row) => row.id);

    expect(rows.length).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });

  it('uses one date-precision vocabulary in every dataset that has one', () => {
    const used = ids.flatMap((id) => {
      const { rows, schema } = datasets.get(id) ?? expect.unreachable();
      const allowed = schema.properties.date_precision?.enum;
      if (allowed === undefined) return [];
      return [...allowed, ...rows.map((row) => row.date_precision ?? '')].map((value) => `${id}: ${value}`);
    });

    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((entry) => !PRECISIONS.includes(entry.split(': ')[1] ?? ''))).toEqual([]);
  });

  it('documents every integer column with empty cells as reading as float in pandas without Int64', () => {
    const undocumented = ids.flatMap((id) => {
      const { rows, schema, descriptor } = datasets.get(id) ?? expect.unreachable();
      return Object.entries(schema.properties)
        .filter(([name, column]) => column.type === 'integer' && rows.some((row) => row[name] === ''))
        .filter(
          ([name, column]) =>
            !column.description?.includes('Int64') ||
            !descriptor.columns.find((entry) => entry.name === name)?.description.includes('Int64'),
        )
        .map(([name]) => `${id}.${name}`);
    });

    expect(undocumented).toEqual([]);
  });
});
