import { spawnSync } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CURATED_IDS, loadSnippet, publishCurated, type ColumnDoc, type PublishedDataset } from '../support/page-snippets.js';
import { makeWorkspace, publishCraftedWorkspace } from '../support/workspace.js';


/**
 * Debian's Python with Debian's pandas (`apt-get install python3-pandas`), the pandas a user of this machine
 * would have: not the Python first on the PATH, which may have no pandas.
 */
const PYTHON = '/usr/bin/python3';

const pandas = spawnSync(PYTHON, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' });
const PANDAS = pandas.status === 0 ? pandas.stdout.trim() : undefined;
if (PANDAS === undefined)
  console.warn(
    `Skipping the pandas test: ${PYTHON} cannot import pandas (install it with: apt-get install python3-pandas).`,
  );

/** What pandas made of a CSV: each column's dtype, and the rows as JSON (missing values as null). */
interface PandasRead {
  readonly dtypes: Record<string, string>;
  readonly rows: Record<string, unknown>[];
}

/** The lines of the page's "Python (pandas)" block that read the CSV (the Parquet line needs pyarrow, which Debian's pandas does not bring). */
function pandasSnippet(page: string): string {
  return loadSnippet(page, 'Python (pandas)');
}

/**
 * Runs the page's snippet on `file` in place of the URL it reads (which must end with `key`), then
 * `after` (Python lines that print JSON of `df`), and gives what they printed.
 */
function runSnippet<T>(snippet: string, key: string, file: string, after: readonly string[]): T {
  const url = /pd\.read_csv\(\s*"([^"]+)"/.exec(snippet)?.[1];
  expect(url?.endsWith(`/${key}`), `the snippet reads ${url}`).toBe(true);
  const program = [snippet.replace(`"${url}"`, JSON.stringify(file)), 'import json', ...after].join('\n');
  const run = spawnSync(PYTHON, ['-c', program], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`pandas failed on ${file}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** Python lines printing what pandas made of the CSV as a {@link PandasRead}. */
const PRINT_READ = [
  'print(json.dumps({"dtypes": {name: str(dtype) for name, dtype in df.dtypes.items()},',
  '  "rows": json.loads(df.to_json(orient="records", date_format="iso"))}))',
];

/** The dtypes a column of each type must read as. */
const DTYPES: Record<ColumnDoc['type'], readonly string[]> = {
  string: ['string'],
  integer: ['Int64'],
  number: ['float64'],
  boolean: ['boolean'],
  date: ['datetime64[ns]'],
};

describe.skipIf(PANDAS === undefined)(`every dataset page's pandas lines, run by pandas ${PANDAS ?? ''}`, () => {
  let dataset: (id: string) => Promise<PublishedDataset>;
  beforeAll(async () => {
    dataset = await publishCurated();
  }, 120_000);

  it.each(CURATED_IDS)(
    '%s: reads every column as its type and every cell as the published JSON has it',
    async (id) => {
      const { csvKey, csvFile, page, document } = await dataset(id);

      const read = runSnippet<PandasRead>(pandasSnippet(page), csvKey, csvFile, PRINT_READ);

      expect(Object.keys(read.dtypes)).toEqual(document.columns.map((column) => column.name));
      for (const column of document.columns)
        expect(DTYPES[column.type], `${id}.${column.name} read as ${read.dtypes[column.name]}`).toContain(
          read.dtypes[column.name],
        );
      expect(read.rows).toHaveLength(document.rows.length);
      read.rows.forEach((row, index) => {
        const published = document.rows[index] ?? {};
        for (const column of document.columns) {
          const value = published[column.name];
          const cell = row[column.name];
          if (value === undefined) expect(cell, `${id} row ${index + 1} ${column.name}`).toBeNull();
          else if (column.type === 'date')
            expect(cell, `${id} row ${index + 1} ${column.name}`).toBe(`${String(value)}T00:00:00.000`);
          else expect(cell, `${id} row ${index + 1} ${column.name}`).toEqual(value);
        }
      });
    },
    60_000,
  );
});

describe.skipIf(PANDAS === undefined)(`the pandas lines on numbers of 16 and 17 digits, pandas ${PANDAS ?? ''}`, () => {
  it('read each as the double published, where pandas left to itself misses some by a step', async () => {
    // Shortest spellings of doubles that need 16 or 17 significant digits, which a number cell accepts as they are.
    const values = ['0.30000000000000004', '945.2706955539223', '449.49106478873813', '0.1234567890123456'];
    const ws = await makeWorkspace();
    await appendFile(
      path.join(ws.data, 'trade.csv'),
      values.map((value, index) => `made-up-${index},2010,turnover,value,${value},,,false,,made up,x\n`).join(''),
    );
    const published = await publishCraftedWorkspace(ws, 'trade');
    expect(published.code, published.stderr).toBe(0);
    const page = await readFile(path.join(ws.out, 'datasets', 'trade', 'index.html'), 'utf8');
    const snippet = pandasSnippet(page);
    const file = path.join(ws.out, 'datasets', 'trade', '1.0.0', 'trade.csv');
    // Python's json writes a float as repr does, the shortest text that reads back as the same double.
    const printMadeUp = [
      'made_up = df[df["id"].str.startswith("made-up-")]',
      'print(json.dumps([float(value) for value in made_up["value_musd"]]))',
    ];
    const read = (lines: string): number[] =>
      runSnippet<number[]>(lines, 'datasets/trade/1.0.0/trade.csv', file, printMadeUp);

    expect(read(snippet)).toEqual(values.map(Number));
    // Without its round_trip setting, the same lines read at least one of them as another double.
    expect(read(snippet.replace('float_precision="round_trip",', ''))).not.toEqual(values.map(Number));
  }, 120_000);
});
