import { JSONParser } from '@streamparser/json';
import type { CanonicalTable } from './canonical.js';
import {
  mergeCatalog,
  type Catalog,
  type CatalogVersion,
  type Distribution,
  type SiteMeta,
  type StagedVersion,
} from './catalog.js';
import {
  classifyChange,
  diffColumns,
  diffSortedRows,
  FIRST_VERSION,
  nextVersion,
  type SchemaChanges,
  type SpilledRowChanges,
} from './changes.js';
import { datasetMetadata, type PublishedColumn } from './dataset-document.js';
import { objectMetaFor } from './content-policy.js';
import { digestStream, ObjectStoreError, type ObjectStore } from './object-store.js';
import { verifyDistributions, type VerifyProblem } from './distribution-check.js';
import { inMemory } from './row-source.js';
import type { Row } from './row-schema.js';
import type { ScratchDirectory } from './scratch.js';
import { RowSorter } from './sort-rows.js';
import { DEFAULT_BASE_URL, publishSiteFiles, withTrailingSlash } from './site.js';
import type { DatasetReport } from './validate.js';
import { renderVersionFiles, type RenderedFile } from './version-files.js';

/** The catalog's key at the site root. */
export const CATALOG_KEY = 'catalog.json';

/** Result of staging one dataset: nothing to do, or a new version whose files are now written. */
export type StageOutcome =
  | { readonly status: 'unchanged'; readonly id: string; readonly version: string }
  | { readonly status: 'staged'; readonly id: string; readonly staged: StagedVersion };

/** A file in a version folder exists with other bytes than this run produced. */
export class ImmutableFileConflictError extends Error {
  override readonly name = 'ImmutableFileConflictError';
}

/** A published file this run must read (the previous version's `<id>.json`) cannot be read as such. */
export class CorruptPublishedFileError extends Error {
  override readonly name = 'CorruptPublishedFileError';
}

/** The published catalog cannot be read as a catalog. */
export class CorruptCatalogError extends Error {
  override readonly name = 'CorruptCatalogError';
}

/** Sizes of the pieces publishing streams in; the defaults suit real data, tests make them tiny. */
export interface StreamingTuning {
  /** Rows sorted in memory per run when the input is out of key order. */
  readonly sortRunRows?: number;
  /** Rows per Parquet row group. */
  readonly parquetRowGroupRows?: number;
}

/** Where and how a dataset is staged. */
export interface StageOptions {
  /** Scratch space for the rendered files and spilled rows, removed by the caller. */
  readonly scratch: ScratchDirectory;
  /** Absolute site URL for download links in the catalog. */
  readonly baseUrl?: string | undefined;
  readonly tuning?: StreamingTuning | undefined;
}

/**
 * Publishes one valid dataset's files, without touching the catalog: decides
 * the version from the catalog's latest entry (same content hash ⇒ unchanged,
 * nothing written), writes the immutable version folder create-only, then
 * refreshes the `latest/` mirror. The returned staged version is listed by
 * {@link commitCatalog}, which must run after every dataset is staged.
 *
 * Everything streams: the rows are read from scratch files, the previous
 * version is compared by merging two key-sorted streams, and each file is
 * rendered to a scratch file before it is uploaded.
 */
export async function stageDataset(
  store: ObjectStore,
  table: CanonicalTable,
  report: DatasetReport,
  now: Date,
  options: StageOptions,
): Promise<StageOutcome> {
  const { definition } = table;
  const { scratch, baseUrl } = options;
  const { catalog } = await readCatalog(store);
  const listed = catalog?.datasets.find((entry) => entry.id === definition.id);
  const latest = listed?.versions.find((version) => version.version === listed.latest);
  if (latest !== undefined && latest.contentHash === table.contentHash) {
    return { status: 'unchanged', id: definition.id, version: latest.version };
  }

  let version = FIRST_VERSION;
  let change: CatalogVersion['change'] = 'initial';
  let schemaChanged = false;
  let schemaChanges: SchemaChanges = { added: [], removed: [], changed: [] };
  let rowChanges: SpilledRowChanges = {
    summary: { added: table.rows.count, removed: 0, changed: 0 },
    added: table.rows,
    removed: inMemory([]),
    changed: inMemory([]),
  };
  if (latest !== undefined) {
    const previous = await readPreviousVersion(store, definition.id, latest.version, {
      primaryKey: definition.descriptor.primaryKey,
      scratch,
      sortRunRows: options.tuning?.sortRunRows,
    });
    schemaChanged = latest.schemaHash !== table.schemaHash;
    schemaChanges = diffColumns(previous.columns, datasetMetadata(definition, version).columns);
    rowChanges = await diffSortedRows(
      previous.rows.open(),
      table.rows.open(),
      definition.descriptor.primaryKey,
      scratch,
    );
    change = classifyChange(schemaChanged, rowChanges.summary);
    version = nextVersion(latest.version, change);
  }

  const files = await renderVersionFiles(
    {
      table,
      version,
      change,
      previousVersion: latest?.version,
      schemaChanged,
      schemaChanges,
      rowChanges,
      report,
      ...(options.tuning?.parquetRowGroupRows === undefined
        ? {}
        : { parquetRowGroupRows: options.tuning.parquetRowGroupRows }),
    },
    scratch,
  );
  const folder = `datasets/${definition.id}/${version}`;
  for (const file of files) await createImmutable(store, `${folder}/${file.name}`, file);
  for (const file of files) {
    const key = `datasets/${definition.id}/latest/${file.name}`;
    await store.put(key, file.body, objectMetaFor(key));
  }

  const { descriptor } = definition;
  return {
    status: 'staged',
    id: definition.id,
    staged: {
      id: definition.id,
      title: descriptor.title,
      description: descriptor.description,
      keywords: descriptor.keywords,
      license: descriptor.license,
      version: {
        version,
        published: now.toISOString(),
        contentHash: table.contentHash,
        schemaHash: table.schemaHash,
        rows: table.rows.count,
        change,
        ...(latest === undefined ? {} : { previousVersion: latest.version }),
        distributions: files.map((file) => distribution(`${folder}/${file.name}`, file, baseUrl)),
      },
    },
  };
}

/** How many times a catalog commit re-reads and retries after losing a race. */
export const CATALOG_COMMIT_ATTEMPTS = 10;

/**
 * Lists staged versions in the catalog, last of all the writes. The catalog is
 * replaced only if unchanged since it was read (`If-Match`), re-read and
 * retried on conflict; when nothing changed, nothing is written. Then the
 * site-wide files rendered from the committed catalog (HTML, DCAT, feed) are
 * brought up to date, writing only those that differ, and the files of the
 * staged versions are read back: `problems` lists any that do not match.
 */
export async function commitCatalog(
  store: ObjectStore,
  site: SiteMeta,
  staged: readonly StagedVersion[],
  now: Date,
  options: { readonly baseUrl?: string } = {},
): Promise<{
  written: boolean;
  catalog: Catalog;
  added: readonly string[];
  siteFilesWritten: number;
  problems: readonly VerifyProblem[];
}> {
  for (let attempt = 1; attempt <= CATALOG_COMMIT_ATTEMPTS; attempt++) {
    const { catalog: current, etag } = await readCatalog(store);
    const { catalog, changed, added } = mergeCatalog(current, site, staged, now.toISOString());
    let written = false;
    if (changed) {
      const body = new TextEncoder().encode(`${JSON.stringify(catalog, null, 2)}\n`);
      const result = await store.putIfMatch(CATALOG_KEY, body, objectMetaFor(CATALOG_KEY), etag);
      if (result.status === 'conflict') continue;
      written = true;
    }
    const pages = await publishSiteFiles(store, catalog, options.baseUrl ?? DEFAULT_BASE_URL);
    // Read back the versions just listed: a store that silently corrupts or drops files must not go unnoticed.
    const problems = await verifyDistributions(
      store,
      staged.flatMap((entry) => entry.version.distributions),
    );
    return { written, catalog, added, siteFilesWritten: pages.written, problems };
  }
  throw new Error(
    `catalog.json kept changing under this run: gave up after ${CATALOG_COMMIT_ATTEMPTS} attempts`,
  );
}

/** Reads and parses `catalog.json`; absent ⇒ `undefined`. */
export async function readCatalog(
  store: Pick<ObjectStore, 'get'>,
): Promise<{ catalog?: Catalog; etag?: string }> {
  const object = await store.get(CATALOG_KEY);
  if (object === undefined) return {};
  try {
    return { catalog: JSON.parse(new TextDecoder().decode(object.body)) as Catalog, etag: object.etag };
  } catch (error) {
    throw new CorruptCatalogError(`${CATALOG_KEY} in the published tree is not valid JSON`, { cause: error });
  }
}

/** The previous version as the comparison needs it: its columns, and its rows sorted by the new key. */
async function readPreviousVersion(
  store: ObjectStore,
  id: string,
  version: string,
  options: { primaryKey: readonly string[]; scratch: ScratchDirectory; sortRunRows: number | undefined },
): Promise<{ columns: readonly PublishedColumn[]; rows: Awaited<ReturnType<RowSorter['finish']>> }> {
  const key = `datasets/${id}/${version}/${id}.json`;
  const open = async () => {
    const chunks = await store.open(key);
    if (chunks === undefined)
      throw new CorruptPublishedFileError(`${key} is listed in the catalog but missing from the store`);
    return chunks;
  };
  // The metadata comes before the rows in the file, so this read stops early.
  let columns: PublishedColumn[] | undefined;
  await readJsonValues(key, await open(), ['$.columns'], (value) => {
    columns = value as PublishedColumn[];
    return 'stop';
  });
  if (columns === undefined) throw new Error(`${key} has no "columns"`);
  // Sorted again by this version's key: a no-op pass when the key and its types are unchanged.
  const sorter = new RowSorter(options.scratch, options.primaryKey, options.sortRunRows);
  let batch: Row[] = [];
  await readJsonValues(
    key,
    await open(),
    ['$.rows.*'],
    (value) => {
      batch.push(value as Row);
      return 'continue';
    },
    async () => {
      if (batch.length === 0) return;
      await sorter.add(batch);
      batch = [];
    },
  );
  await sorter.add(batch);
  return { columns, rows: await sorter.finish() };
}

/**
 * Streams a JSON document through a parser that emits only the values at
 * `paths`; `onValue` may stop the read early. `afterChunk` runs once the values
 * of each chunk have been handed over (where a consumer can await). A document
 * that is not JSON, or ends too soon, is an error naming `key`.
 */
async function readJsonValues(
  key: string,
  chunks: AsyncIterable<Uint8Array>,
  paths: string[],
  onValue: (value: unknown) => 'continue' | 'stop',
  afterChunk: () => Promise<void> = async () => {},
): Promise<void> {
  const parser = new JSONParser({ paths, keepStack: false });
  let stopped = false;
  parser.onValue = ({ value }) => {
    if (!stopped && onValue(value) === 'stop') stopped = true;
  };
  try {
    for await (const chunk of chunks) {
      parser.write(chunk);
      await afterChunk();
      if (stopped) return; // leaving the loop releases the stream
    }
    if (!parser.isEnded) parser.end(); // ends by itself after a complete document; throws if cut short
  } catch (error) {
    if (error instanceof ObjectStoreError) throw error;
    throw new CorruptPublishedFileError(`${key} in the published tree is not the JSON it should be`, {
      cause: error,
    });
  }
}

async function createImmutable(store: ObjectStore, key: string, file: RenderedFile): Promise<void> {
  if ((await store.putIfAbsent(key, file.body, objectMetaFor(key))) === 'created') return;
  // Already there: fine if it is ours (a re-run after a crash), never overwritten if it is not.
  const existing = await store.open(key);
  if (existing === undefined || (await digestStream(existing)).sha256 !== file.sha256) {
    throw new ImmutableFileConflictError(
      `${key} already exists with different content; published files are never overwritten`,
    );
  }
}

function distribution(key: string, file: RenderedFile, baseUrl: string | undefined): Distribution {
  return {
    format: file.format,
    mediaType: file.mediaType,
    path: key,
    bytes: file.bytes,
    sha256: file.sha256,
    ...(baseUrl === undefined ? {} : { url: new URL(key, withTrailingSlash(baseUrl)).href }),
  };
}
