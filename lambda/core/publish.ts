import { canonicalizeDataset, sha256Hex } from './canonical.js';
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
  diffRows,
  FIRST_VERSION,
  nextVersion,
  type RowChanges,
  type SchemaChanges,
} from './changes.js';
import { buildDatasetDocument, type DatasetDocument } from './dataset-document.js';
import { objectMetaFor } from './content-policy.js';
import type { ObjectStore } from './object-store.js';
import { verifyDistributions, type VerifyProblem } from './distribution-check.js';
import { DEFAULT_BASE_URL, publishSiteFiles, withTrailingSlash } from './site.js';
import type { DatasetReport, ValidDataset } from './validate.js';
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

/** The published catalog cannot be read as a catalog. */
export class CorruptCatalogError extends Error {
  override readonly name = 'CorruptCatalogError';
}

/**
 * Publishes one valid dataset's files, without touching the catalog: decides
 * the version from the catalog's latest entry (same content hash ⇒ unchanged,
 * nothing written), writes the immutable version folder create-only, then
 * refreshes the `latest/` mirror. The returned staged version is listed by
 * {@link commitCatalog}, which must run after every dataset is staged.
 */
export async function stageDataset(
  store: ObjectStore,
  dataset: ValidDataset,
  report: DatasetReport,
  now: Date,
  baseUrl?: string,
): Promise<StageOutcome> {
  const canonical = canonicalizeDataset(dataset);
  const { catalog } = await readCatalog(store);
  const listed = catalog?.datasets.find((entry) => entry.id === dataset.id);
  const latest = listed?.versions.find((version) => version.version === listed.latest);
  if (latest !== undefined && latest.contentHash === canonical.contentHash) {
    return { status: 'unchanged', id: dataset.id, version: latest.version };
  }

  let version = FIRST_VERSION;
  let change: CatalogVersion['change'] = 'initial';
  let schemaChanged = false;
  let schemaChanges: SchemaChanges = { added: [], removed: [], changed: [] };
  let rowChanges: RowChanges = { added: canonical.rows, removed: [], changed: [] };
  if (latest !== undefined) {
    const previous = await readPublishedDocument(store, dataset.id, latest.version);
    schemaChanged = latest.schemaHash !== canonical.schemaHash;
    schemaChanges = diffColumns(previous.columns, buildDatasetDocument(canonical, version).columns);
    rowChanges = diffRows(previous.rows, canonical.rows, dataset.descriptor.primaryKey);
    change = classifyChange(schemaChanged, rowChanges);
    version = nextVersion(latest.version, change);
  }

  const files = renderVersionFiles({
    canonical,
    version,
    change,
    previousVersion: latest?.version,
    schemaChanged,
    schemaChanges,
    rowChanges,
    report,
  });
  const folder = `datasets/${dataset.id}/${version}`;
  for (const file of files) await createImmutable(store, `${folder}/${file.name}`, file.body);
  for (const file of files) {
    const key = `datasets/${dataset.id}/latest/${file.name}`;
    await store.put(key, file.body, objectMetaFor(key));
  }

  const { descriptor } = dataset;
  return {
    status: 'staged',
    id: dataset.id,
    staged: {
      id: dataset.id,
      title: descriptor.title,
      description: descriptor.description,
      keywords: descriptor.keywords,
      license: descriptor.license,
      version: {
        version,
        published: now.toISOString(),
        contentHash: canonical.contentHash,
        schemaHash: canonical.schemaHash,
        rows: canonical.rows.length,
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

async function readPublishedDocument(
  store: ObjectStore,
  id: string,
  version: string,
): Promise<DatasetDocument> {
  const key = `datasets/${id}/${version}/${id}.json`;
  const object = await store.get(key);
  if (object === undefined) throw new Error(`${key} is listed in the catalog but missing from the store`);
  return JSON.parse(new TextDecoder().decode(object.body)) as DatasetDocument;
}

async function createImmutable(store: ObjectStore, key: string, body: Uint8Array): Promise<void> {
  if ((await store.putIfAbsent(key, body, objectMetaFor(key))) === 'created') return;
  // Already there: fine if it is ours (a re-run after a crash), never overwritten if it is not.
  const existing = await store.get(key);
  if (existing === undefined || sha256Hex(existing.body) !== sha256Hex(body)) {
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
    bytes: file.body.byteLength,
    sha256: sha256Hex(file.body),
    ...(baseUrl === undefined ? {} : { url: new URL(key, withTrailingSlash(baseUrl)).href }),
  };
}
