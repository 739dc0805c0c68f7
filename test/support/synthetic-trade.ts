import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './workspace.js';

/**
 * Writes a synthetic dataset shaped like `data/trade.csv` (same schema and
 * descriptor, about 108 bytes a row, rows in primary-key order) into
 * `<dir>/data` and `<dir>/schemas`, streaming, so any size can be generated.
 */
export async function writeSyntheticTrade(
  dir: string,
  rows: number,
): Promise<{ data: string; schemas: string }> {
  const data = path.join(dir, 'data');
  const schemas = path.join(dir, 'schemas');
  await mkdir(data, { recursive: true });
  await mkdir(schemas, { recursive: true });
  // The curated descriptor, without its rules and references: they name rows of the real table.
  const descriptor = JSON.parse(
    await readFile(path.join(REPO_ROOT, 'data/trade.dataset.json'), 'utf8'),
  ) as Record<string, unknown>;
  delete descriptor.rules;
  delete descriptor.foreignKeys;
  await writeFile(path.join(data, 'trade.dataset.json'), JSON.stringify(descriptor, null, 2));
  await copyFile(path.join(REPO_ROOT, 'data/site.json'), path.join(data, 'site.json'));
  await copyFile(path.join(REPO_ROOT, 'schemas/trade.schema.json'), path.join(schemas, 'trade.schema.json'));

  const out = createWriteStream(path.join(data, 'trade.csv'));
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve));
  await write(
    'id,year,flow,measure,value_musd,change_pct,compared_to_year,flagged,conflict,note,source_quote\n',
  );
  const flows = ['turnover', 'az-export-to-kz', 'az-import-from-kz'];
  let batch = '';
  for (let i = 0; i < rows; i++) {
    const value = ((i * 7919) % 100000) / 100;
    // In key order (year, then id): the years in ascending blocks, the ids ascending within each.
    const year = 2001 + Math.floor((i * 19) / rows);
    batch += `row-${String(i).padStart(8, '0')},${year},${flows[i % 3]},value,${value},,,false,,Synthetic row ${i},"in ${year} - ${value} million dollars"\n`;
    if (batch.length > 1 << 16) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { data, schemas };
}
