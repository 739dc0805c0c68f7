import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CURATED_IDS, loadSnippet, publishCurated, type ColumnDoc, type PublishedDataset } from '../support/page-snippets.js';
import { makeWorkspace, publishCraftedWorkspace } from '../support/workspace.js';


/** Debian's R (`apt-get install r-base-core`), the R a user of this machine would have. */
const RSCRIPT = '/usr/bin/Rscript';

const probe = spawnSync(RSCRIPT, ['-e', 'cat(R.version.string)'], { encoding: 'utf8' });
const R_VERSION = probe.status === 0 ? probe.stdout.trim() : undefined;
if (R_VERSION === undefined)
  console.warn(`Skipping the R test: ${RSCRIPT} does not run (install it with: apt-get install r-base-core).`);

/** The class a column of each type must read as. */
const CLASSES: Record<ColumnDoc['type'], string> = {
  string: 'character',
  integer: 'numeric',
  number: 'numeric',
  boolean: 'logical',
  date: 'Date',
};

/**
 * R lines printing what R made of `df`: a first line of each column's name and class, then one line a row,
 * each cell tagged with how R holds it. Text goes as the hex of its UTF-8 bytes, so that no character of it
 * (a tab, a quote, a line break) can be misread here; numbers with 17 significant digits, which name one double.
 */
const PRINT_READ = [
  'classes <- vapply(df, function(column) class(column)[1], "")',
  'cat(paste(names(df), classes, sep = "=", collapse = "\\t"), "\\n", sep = "")',
  'cell <- function(value) {',
  '  if (is.na(value)) return("na")',
  '  if (inherits(value, "Date")) return(paste0("d:", format(value)))',
  '  if (is.numeric(value)) return(paste0("n:", sprintf("%.17g", value)))',
  '  if (is.logical(value)) return(paste0("b:", value))',
  '  paste0("s:", paste(as.character(charToRaw(enc2utf8(as.character(value)))), collapse = ""))',
  '}',
  'for (i in seq_len(nrow(df))) cat(paste(vapply(df[i, , drop = FALSE], cell, ""), collapse = "\\t"), "\\n", sep = "")',
];

/** What R made of a CSV: each column's name and class, and each cell as a JavaScript value (`null` for NA). */
interface RRead {
  readonly columns: { readonly name: string; readonly class: string }[];
  readonly rows: (string | number | boolean | null)[][];
}

function parseRead(output: string): RRead {
  const [header = '', ...lines] = output.split('\n').filter((line) => line !== '');
  const columns = header.split('\t').map((pair) => {
    const at = pair.lastIndexOf('=');
    return { name: pair.slice(0, at), class: pair.slice(at + 1) };
  });
  const rows = lines.map((line) =>
    line.split('\t').map((cell) => {
      if (cell === 'na') return null;
      const [tag, text = ''] = [cell.slice(0, 1), cell.slice(2)];
      if (tag === 'n') return Number(text);
      if (tag === 'b') return text === 'TRUE';
      if (tag === 'd') return text;
      return Buffer.from(text, 'hex').toString('utf8');
    }),
  );
  return { columns, rows };
}

/** Runs the page's R lines on `file` in place of the URL they read (which must end with `key`). */
function runSnippet(snippet: string, key: string, file: string): RRead {
  const url = /read\.csv\(\s*"([^"]+)"/.exec(snippet)?.[1];
  expect(url?.endsWith(`/${key}`), `the snippet reads ${url}`).toBe(true);
  const program = [snippet.replace(`"${url}"`, JSON.stringify(file)), ...PRINT_READ].join('\n');
  const run = spawnSync(RSCRIPT, ['-e', program], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // A locale that is not UTF-8 must not change what R reads: the snippet says the file's encoding.
    env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
  });
  if (run.status !== 0) throw new Error(`R failed on ${file}:\n${run.stderr}`);
  return parseRead(run.stdout);
}

describe.skipIf(R_VERSION === undefined)(`every dataset page's R lines, run by ${R_VERSION ?? 'R'}`, () => {
  let dataset: (id: string) => Promise<PublishedDataset>;
  beforeAll(async () => {
    dataset = await publishCurated();
  }, 120_000);

  it.each(CURATED_IDS)(
    '%s: reads every column, named as published, as its type, and every cell as the published JSON has it',
    async (id) => {
      const { csvKey, csvFile, page, document } = await dataset(id);

      const read = runSnippet(loadSnippet(page, 'R'), csvKey, csvFile);

      expect(read.columns).toEqual(document.columns.map((column) => ({ name: column.name, class: CLASSES[column.type] })));
      expect(read.rows).toHaveLength(document.rows.length);
      read.rows.forEach((row, index) => {
        const published = document.rows[index] ?? {};
        document.columns.forEach((column, at) => {
          const value = published[column.name];
          expect(row[at], `${id} row ${index + 1} ${column.name}`).toEqual(value === undefined ? null : value);
        });
      });
    },
    60_000,
  );
});

/** Numbers R 4.2's `read.csv` reads one step of the last binary digit off (5.8743042482028756, 36439.726822901794). */
const STEPPED = ['5.874304248202876', '36439.72682290179'];

/** How many doubles apart two positive doubles are. */
function stepsApart(a: number, b: number): number {
  const bits = new DataView(new ArrayBuffer(16));
  bits.setFloat64(0, a);
  bits.setFloat64(8, b);
  const difference = bits.getBigInt64(0) - bits.getBigInt64(8);
  return Number(difference < 0n ? -difference : difference);
}

describe.skipIf(R_VERSION === undefined)(`the R lines on awkward cells, ${R_VERSION ?? 'R'}`, () => {
  it('keep text of digits, text that R would take for a missing value and numbers of 17 digits as published, or within the step the page warns of', async () => {
    const ws = await makeWorkspace();
    // A table whose ids are all digits with leading zeros (which R reads as numbers, left to itself), whose
    // notes are the text NA, and whose values need 16 or 17 significant digits.
    const values = ['0.30000000000000004', '945.2706955539223', '449.49106478873813', '0.1234567890123456'];
    // The table's rules check sums of rows these replace: the descriptor goes without them.
    const descriptorFile = path.join(ws.data, 'trade.dataset.json');
    const descriptor = JSON.parse(await readFile(descriptorFile, 'utf8')) as Record<string, unknown>;
    delete descriptor['rules'];
    await writeFile(descriptorFile, JSON.stringify(descriptor));
    const file = path.join(ws.data, 'trade.csv');
    const [header = ''] = (await readFile(file, 'utf8')).split('\n');
    await writeFile(
      file,
      `${header}\n${[...values, ...STEPPED].map((value, index) => `${String(index).padStart(3, '0')},2010,turnover,value,${value},,,false,,NA,x\n`).join('')}`,
    );
    const published = await publishCraftedWorkspace(ws, 'trade');
    expect(published.code, published.stderr).toBe(0);
    const page = await readFile(path.join(ws.out, 'datasets', 'trade', 'index.html'), 'utf8');
    const read = runSnippet(
      loadSnippet(page, 'R'),
      'datasets/trade/1.0.0/trade.csv',
      path.join(ws.out, 'datasets', 'trade', '1.0.0', 'trade.csv'),
    );
    const column = (name: string) => read.rows.map((row) => row[read.columns.findIndex((each) => each.name === name)]);

    expect(column('id')).toEqual(['000', '001', '002', '003', '004', '005']);
    expect(column('value_musd').slice(0, values.length)).toEqual(values.map(Number));
    // Numbers R 4.2's reader misses by one step of the last binary digit, as the page's R block says: each read
    // within that step of the number published.
    expect(column('value_musd').slice(values.length)).toHaveLength(STEPPED.length);
    column('value_musd')
      .slice(values.length)
      .forEach((read, index) => expect(stepsApart(Number(read), Number(STEPPED[index])), STEPPED[index]).toBeLessThanOrEqual(1));
    expect(column('note')).toEqual(Array.from({ length: values.length + STEPPED.length }, () => 'NA'));
  }, 120_000);
});
