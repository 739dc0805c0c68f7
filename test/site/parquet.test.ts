import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeParquet } from '../../lambda/core/parquet.js';
import type { Column, Row } from '../../lambda/core/row-schema.js';
import { makeWorkspace, readJson, publishWorkspace } from '../support/workspace.js';

let out: string;
let ids: string[];

beforeAll(async () => {
  const ws = await makeWorkspace();
  const { code } = await publishWorkspace(ws);
  expect(code).toBe(0);
  out = ws.out;
  ids = (await readJson<{ datasets: { id: string }[] }>(path.join(out, 'catalog.json'))).datasets.map(
    (dataset) => dataset.id,
  );
});

/** Reads a Parquet file with DuckDB (an independent reader), values as DuckDB renders them in JSON. */
async function readWithDuckDb(
  file: string,
): Promise<{ types: Record<string, string>; rows: Record<string, unknown>[] }> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const escaped = file.replaceAll("'", "''");
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${escaped}')`);
    const types = Object.fromEntries(
      described.getRowObjectsJson().map((row) => [String(row.column_name), String(row.column_type)]),
    );
    const result = await connection.runAndReadAll(`SELECT * FROM read_parquet('${escaped}')`);
    return { types, rows: result.getRowObjectsJson() as Record<string, unknown>[] };
  } finally {
    connection.closeSync();
  }
}

/** A cell as the canonical CSV writes it: absent ⇒ empty, everything else in its shortest text form. */
function asCsvText(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/**
 * Writes `rows` with `encodeParquet` to a file of a new workspace and gives DuckDB's answer to `select`
 * over it (`FROM file` is added), as native values (`-0` stays `-0`).
 */
async function encodedAndQueried(
  name: string,
  columns: readonly Column[],
  rows: readonly Row[],
  select: string,
): Promise<Record<string, unknown>[]> {
  const ws = await makeWorkspace();
  const file = path.join(ws.root, name);
  await writeFile(file, encodeParquet(columns, rows));
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const result = await connection.runAndReadAll(
      `${select} FROM read_parquet('${file.replaceAll("'", "''")}')`,
    );
    return result.getRowObjects();
  } finally {
    connection.closeSync();
  }
}

describe('Parquet read back by DuckDB', () => {
  it('holds exactly the rows of the CSV, in the same order, for every dataset', async () => {
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const folder = path.join(out, 'datasets', id, '1.0.0');
      const csv = Papa.parse<Record<string, string>>(await readFile(path.join(folder, `${id}.csv`), 'utf8'), {
        header: true,
        skipEmptyLines: true,
      });
      const { rows } = await readWithDuckDb(path.join(folder, `${id}.parquet`));

      expect(Object.keys(rows[0] ?? {}), id).toEqual(csv.meta.fields);
      expect(
        rows.map((row) =>
          Object.fromEntries(Object.entries(row).map(([key, value]) => [key, asCsvText(value)])),
        ),
        id,
      ).toEqual(csv.data);
    }
  });

  it('declares logical types a reader maps to native ones: BIGINT, DOUBLE, DATE, BOOLEAN, VARCHAR', async () => {
    const trade = await readWithDuckDb(path.join(out, 'datasets/trade/1.0.0/trade.parquet'));
    const visits = await readWithDuckDb(path.join(out, 'datasets/visits/1.0.0/visits.parquet'));

    expect(trade.types).toMatchObject({
      id: 'VARCHAR',
      year: 'BIGINT',
      value_musd: 'DOUBLE',
      flagged: 'BOOLEAN',
    });
    expect(visits.types).toMatchObject({ start_date: 'DATE', end_date: 'DATE', month: 'BIGINT' });
    expect(trade.rows.find((row) => row.id === 'turnover-2018-comparison')).toMatchObject({
      value_musd: 220.54,
      change_pct: null,
      flagged: true,
    });
  });

  it('encodes the same rows to the same bytes (no timestamps inside)', () => {
    const columns: Column[] = [
      { name: 'id', type: 'string', required: true, schema: {} },
      { name: 'n', type: 'integer', required: false, schema: {} },
      { name: 'x', type: 'number', required: false, schema: {} },
      { name: 'd', type: 'date', required: false, schema: {} },
      { name: 'b', type: 'boolean', required: false, schema: {} },
    ];
    const rows: Row[] = [
      { id: 'a', n: 1, x: 0.1, d: '1999-12-31', b: true },
      { id: 'b', n: -9007199254740991 },
    ];

    expect(Buffer.from(encodeParquet(columns, rows))).toEqual(Buffer.from(encodeParquet(columns, rows)));
  });

  it('keeps every cell its own value in columns of few values and of many', async () => {
    // Columns of few values share one cell per value; past 1,024 distinct values a column is converted
    // cell by cell. The file must hold the same values either way, across row groups.
    const columns: Column[] = [
      { name: 'id', type: 'string', required: true, schema: {} },
      { name: 'kind', type: 'string', required: false, schema: {} },
      { name: 'n', type: 'integer', required: false, schema: {} },
      { name: 'x', type: 'number', required: false, schema: {} },
      { name: 'd', type: 'date', required: false, schema: {} },
    ];
    const rows: Row[] = Array.from({ length: 20_000 }, (_, i) => ({
      id: `r${i}`,
      ...(i % 11 === 0 ? {} : { kind: ['turnover', 'export', 'ә'][i % 3] as string }),
      // Few values, then (from row 15,000) one per row: the cache stops part way, inside a group.
      ...(i % 13 === 0 ? {} : { n: i < 15_000 ? 1991 + (i % 40) : i }),
      x: i < 15_000 ? (i % 7) / 4 : i / 3,
      ...(i % 17 === 0 ? {} : { d: `20${String(10 + (i % 20))}-0${1 + (i % 9)}-1${i % 10}` }),
    }));
    const read = await encodedAndQueried(
      'cells.parquet',
      columns,
      rows,
      "SELECT id, kind, n, x, strftime(d, '%Y-%m-%d') AS d",
    );
    expect(read).toHaveLength(rows.length);
    read.forEach((got, i) => {
      const row = rows[i] as Row;
      expect(got.id).toBe(row.id);
      expect(got.kind ?? undefined).toBe(row.kind);
      expect(got.n === null ? undefined : Number(got.n)).toBe(row.n);
      expect(got.x).toBe(row.x);
      expect(got.d ?? undefined).toBe(row.d);
    });
  });

  it('keeps -0 after 0 in a column of numbers written as they are', async () => {
    // Validation publishes -0 as 0, but the encoder takes what it is given: the values it shares
    // between rows (see parquet.ts) must not make one of 0 and -0. (A column written through a
    // dictionary keeps one of them: hyparquet-writer keys its dictionary with a Map.)
    const columns: Column[] = [{ name: 'x', type: 'number', required: true, schema: {} }];
    const rows: Row[] = [0, -0, ...Array.from({ length: 3_000 }, (_, i) => i / 3 + 1)].map((x) => ({ x }));
    const read = await encodedAndQueried('zeros.parquet', columns, rows, 'SELECT x');
    expect(read.slice(0, 2).map(({ x }) => Object.is(x, -0))).toEqual([false, true]);
  });

  it('round-trips edge values: large integers, negative decimals, dates before 1970, non-ASCII text', async () => {
    const columns: Column[] = [
      { name: 'id', type: 'string', required: true, schema: {} },
      { name: 'n', type: 'integer', required: false, schema: {} },
      { name: 'x', type: 'number', required: false, schema: {} },
      { name: 'd', type: 'date', required: false, schema: {} },
    ];
    const rows: Row[] = [
      { id: 'Қазақстан, "Azərbaycan"', n: 9007199254740991, x: -47.4, d: '1965-03-01' },
      { id: 'empty' },
    ];
    const ws = await makeWorkspace();
    const file = path.join(ws.root, 'edge.parquet');
    await writeFile(file, encodeParquet(columns, rows));

    const { rows: read } = await readWithDuckDb(file);

    expect(read).toEqual([
      { id: 'Қазақстан, "Azərbaycan"', n: '9007199254740991', x: -47.4, d: '1965-03-01' },
      { id: 'empty', n: null, x: null, d: null },
    ]);
  });
});
