import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { renderDatasetPage } from '../../lambda/core/site/html-dataset.js';
import { hostileSite, tradeDataset } from '../injection/hostile-site.js';

/** The DuckDB line the page offers for reading the CSV, with its URL. */
function csvSnippet(): { sql: string; url: string } {
  const dataset = tradeDataset([2001]);
  const page = renderDatasetPage(hostileSite([dataset], 'https://example.org/'), dataset).value.replace(/&#39;/g, "'");
  const match = /SELECT \* FROM (read_csv\('([^']+)'[^;]*\));/.exec(page);
  if (match === null) throw new Error('no read_csv line on the page');
  return { sql: match[1] ?? '', url: match[2] ?? '' };
}

describe("the page's DuckDB line for the CSV", () => {
  it('reads a table with no rows as its header and no rows, not the header as a row', async () => {
    // A header cell that reads as a value (t is true to DuckDB's sniffer) makes a lone header look like a row.
    const { sql, url } = csvSnippet();
    const folder = await mkdtemp(path.join(tmpdir(), 'opendata-snippet-'));
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const read = async (csv: string) => {
      const file = path.join(folder, 'table.csv');
      await writeFile(file, csv);
      const query = `SELECT * FROM ${sql.replace(url, file)}`;
      const result = await connection.runAndReadAll(query);
      return { columns: result.columnNames(), rows: result.getRowObjectsJson() };
    };

    const empty = await read('id,year,t\n');
    const one = await read('id,year,flagged\nt-1,2001,true\n');
    connection.closeSync();
    await rm(folder, { recursive: true, force: true });

    expect(empty).toEqual({ columns: ['id', 'year', 't'], rows: [] });
    expect(one.columns).toEqual(['id', 'year', 'flagged']);
    expect(one.rows).toEqual([{ id: 't-1', year: '2001', flagged: true }]);
  });
});
