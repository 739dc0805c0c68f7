import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { renderDatasetPage } from '../../lambda/core/site/html-dataset.js';
import { hostileSite, tradeDataset } from '../injection/hostile-site.js';

/** The DuckDB line the page offers for reading the CSV, with its URL. */
function csvSnippet(dataset = tradeDataset([2001])): { sql: string; url: string } {
  const page = renderDatasetPage(hostileSite([dataset], 'https://example.org/'), dataset).value.replace(/&#39;/g, "'");
  const match = /SELECT \* FROM (read_csv\('([^']+)'[^;]*\));/.exec(page);
  if (match === null) throw new Error('no read_csv line on the page');
  return { sql: match[1] ?? '', url: match[2] ?? '' };
}

describe("the page's DuckDB line for the CSV", () => {
  it('reads a table with no rows as its header and no rows, and each column as the type the Parquet file gives it', async () => {
    const { sql, url } = csvSnippet();
    const folder = await mkdtemp(path.join(tmpdir(), 'opendata-snippet-'));
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const read = async (csv: string) => {
      const file = path.join(folder, 'table.csv');
      await writeFile(file, csv);
      const query = `SELECT * FROM ${sql.replace(url, file)}`;
      const result = await connection.runAndReadAll(query);
      const types = await connection.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE ${query})`);
      return {
        rows: result.getRowObjectsJson(),
        types: Object.fromEntries(types.getRows().map(([name, type]) => [String(name), String(type)])),
      };
    };
    // The columns of the page's dataset (tradeDataset).
    const header = 'id,year,flow,measure,value_musd,flagged,conflict,note,source_quote';

    const empty = await read(`${header}\n`);
    // Whole numbers in a number column, digits in a text column, t in a boolean one: what a sniffer misreads.
    const one = await read(`${header}\nt-1,2001,turnover,value,106,false,,007,"in 2001 - 106"\n`);
    connection.closeSync();
    await rm(folder, { recursive: true, force: true });

    expect(empty.rows).toEqual([]);
    const expected = {
      id: 'VARCHAR',
      year: 'BIGINT',
      flow: 'VARCHAR',
      measure: 'VARCHAR',
      value_musd: 'DOUBLE',
      flagged: 'BOOLEAN',
      conflict: 'VARCHAR',
      note: 'VARCHAR',
      source_quote: 'VARCHAR',
    };
    expect(empty.types).toEqual(expected);
    expect(one.types).toEqual(expected);
    expect(one.rows).toMatchObject([{ id: 't-1', year: '2001', value_musd: 106, flagged: false, note: '007' }]);
  });

  it('reads columns whose names differ only in case, which DuckDB takes for one name', async () => {
    const base = tradeDataset([2001]);
    const dataset = {
      ...base,
      document: { ...base.document, columns: [...base.document.columns, { ...base.document.columns[1], name: 'YEAR' }] },
    } as typeof base;
    const { sql, url } = csvSnippet(dataset);
    const folder = await mkdtemp(path.join(tmpdir(), 'opendata-snippet-'));
    const file = path.join(folder, 'table.csv');
    await writeFile(
      file,
      'id,year,flow,measure,value_musd,flagged,conflict,note,source_quote,YEAR\nt-1,2001,turnover,value,106,false,,x,q,2019\n',
    );
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const result = await connection.runAndReadAll(`SELECT * FROM ${sql.replace(url, file)}`);
    connection.closeSync();
    await rm(folder, { recursive: true, force: true });

    expect(result.getRows()[0]).toEqual(['t-1', 2001n, 'turnover', 'value', 106, false, null, 'x', 'q', 2019n]);
  });
});
