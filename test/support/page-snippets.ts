import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../../lambda/core/catalog.js';
import { makeWorkspace, publishWorkspace, REPO_ROOT } from './workspace.js';

/** The ids of the curated datasets in `data/`. */
export const CURATED_IDS: readonly string[] = readdirSync(path.join(REPO_ROOT, 'data'))
  .filter((name) => name.endsWith('.dataset.json'))
  .map((name) => name.slice(0, -'.dataset.json'.length));

/**
 * The code of a dataset page's "How to load it" block under the heading `heading` (`Python (pandas)`, `R`),
 * entities decoded: the whole block as a user pastes it, whose lines that need another package (pyarrow,
 * arrow) to read the Parquet file are comments.
 */
export function loadSnippet(page: string, heading: string): string {
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const block = new RegExp(`<h3>${escaped}</h3>\\s*<pre[^>]*><code>([\\s\\S]*?)</code></pre>`).exec(
    page,
  )?.[1];
  if (block === undefined) throw new Error(`no ${heading} block on the page`);
  const code = block
    .replace(/&quot;|&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return code;
}

/** A column as the dataset's JSON document describes it. */
export interface ColumnDoc {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
}

/** What a snippet test needs of one dataset of a published tree. */
export interface PublishedDataset {
  /** The latest CSV's key in the tree (what the page's snippets read, after the base URL). */
  readonly csvKey: string;
  /** The same CSV on disk. */
  readonly csvFile: string;
  /** The dataset's page. */
  readonly page: string;
  /** The latest `<id>.json`: the columns and rows the snippets must read. */
  readonly document: { readonly columns: ColumnDoc[]; readonly rows: Record<string, unknown>[] };
}

/** Dataset `id` of the tree published in `out`, whose catalog is `catalog`. */
export async function publishedDataset(out: string, catalog: Catalog, id: string): Promise<PublishedDataset> {
  const entry = catalog.datasets.find((dataset) => dataset.id === id);
  const version = entry?.versions.find((each) => each.version === entry.latest);
  const csv = version?.distributions.find((file) => file.path.endsWith(`/${id}.csv`));
  if (entry === undefined || csv === undefined) throw new Error(`${id}: not in the catalog`);
  const page = await readFile(path.join(out, 'datasets', id, 'index.html'), 'utf8');
  const document = JSON.parse(
    await readFile(path.join(out, 'datasets', id, 'latest', `${id}.json`), 'utf8'),
  ) as PublishedDataset['document'];
  return { csvKey: csv.path, csvFile: path.join(out, ...csv.path.split('/')), page, document };
}

/** Publishes the curated datasets into a new workspace, and gives a function reading each of them back. */
export async function publishCurated(): Promise<(id: string) => Promise<PublishedDataset>> {
  const ws = await makeWorkspace();
  const published = await publishWorkspace(ws);
  if (published.code !== 0) throw new Error(`publishing the curated datasets failed:\n${published.stderr}`);
  const catalog = JSON.parse(await readFile(path.join(ws.out, 'catalog.json'), 'utf8')) as Catalog;
  return (id) => publishedDataset(ws.out, catalog, id);
}
