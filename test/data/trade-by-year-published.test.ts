import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, publishWorkspace } from '../support/workspace.js';

// What an analyst gets from the published files, read by an independent reader (DuckDB, which infers
// CSV types as pandas does: integers stay integers, empty cells are missing).

const YEARS = Array.from({ length: 19 }, (_, index) => 2001 + index);

describe('trade-by-year as published', () => {
  it('reads back from the CSV and the Parquet with one row per year, an integer year and empty gaps', async () => {
    const ws = await makeWorkspace();
    const { code, stderr } = await publishWorkspace(ws, 'trade', 'trade-by-year');
    expect(code, stderr).toBe(0);
    const folder = path.join(ws.out, 'datasets', 'trade-by-year', '1.0.0');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();

    for (const source of [
      `read_csv('${path.join(folder, 'trade-by-year.csv')}')`,
      `read_parquet('${path.join(folder, 'trade-by-year.parquet')}')`,
    ]) {
      const types = Object.fromEntries(
        (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
          .getRowObjectsJson()
          .map((row) => [String(row.column_name), String(row.column_type)]),
      );
      const rows = (
        await connection.runAndReadAll(
          `SELECT year, turnover_musd, turnover_2019_base_musd, flagged FROM ${source}`,
        )
      ).getRowObjectsJS();

      expect(types.year, source).toMatch(/^(BIGINT|INTEGER)$/);
      expect(types.turnover_musd, source).toBe('DOUBLE');
      expect(types.flagged, source).toBe('BOOLEAN');
      expect(
        rows.map((row) => Number(row.year)),
        source,
      ).toEqual(YEARS);
      expect(
        rows.filter((row) => row.turnover_musd === null).map((row) => Number(row.year)),
        source,
      ).toEqual(YEARS.filter((year) => year >= 2004 && year <= 2013));
      expect(
        rows.filter((row) => row.flagged === true).map((row) => [Number(row.year), row.turnover_musd, row.turnover_2019_base_musd]),
        source,
      ).toEqual([[2018, 258.3, 220.54]]);
    }
  });
});
