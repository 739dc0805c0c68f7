import { sha256Hex } from './canonical.js';
import type { Catalog, CatalogDataset } from './catalog.js';
import type { ChangesDocument } from './changes.js';
import type { StatsDocument } from './column-stats.js';
import { objectMetaFor } from './content-policy.js';
import type { DatasetDocument } from './dataset-document.js';
import type { VersionFormat } from './formats/index.js';
import { absenceNote, ObjectTooLargeError, type ObjectStore, type StoredObject } from './object-store.js';
import { chartFilesRenderer, chartNotes, MAX_CHART_ROWS } from './site/charts.js';
import { chartRasterizer, type ChartRasterizer } from './site/chart-png.js';
import { citationFilesRenderer } from './site/citations.js';
import { dcatRenderer } from './site/dcat.js';
import { initialChanges, readChangesExcerpt, readDatasetExcerpt } from './site/document-excerpts.js';
import { feedRenderer } from './site/feed.js';
import { CHANGELOG_ITEMS, datasetPagesRenderer } from './site/html-dataset.js';
import { indexPageRenderer } from './site/html-index.js';
import { JsonExcerptError } from './site/json-excerpt.js';
import { latestVersion } from './site/links.js';
import { OpenDataError } from './errors.js';

/** Base URL used for absolute links when none is configured: where `opendata serve` listens by default. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080/';

/** Everything the site-wide files are rendered from: the committed catalog and each dataset's latest files. */
export interface SiteContext {
  readonly catalog: Catalog;
  /** Absolute site URL ending in `/`. */
  readonly baseUrl: string;
  /** One entry per catalog dataset, in catalog order. */
  readonly datasets: readonly SiteDataset[];
  /**
   * Draws a chart's SVG as PNG. {@link loadSiteContext} always supplies it; a
   * context without one renders no PNGs and links none.
   */
  readonly rasterize?: ChartRasterizer;
  /**
   * The version formats whose labels, descriptions, direct downloads and EU
   * file types the pages and the DCAT catalog show.
   * @default VERSION_FORMATS - the formats the pipeline publishes (a test passes its own)
   */
  readonly formats?: readonly VersionFormat[];
}

/**
 * How many rows of a dataset the site reads: the preview, the charts and the
 * flagged-row links are drawn from the first rows only, so a dataset of any
 * size is read and held in bounded memory. One past {@link MAX_CHART_ROWS}, so
 * that every dataset small enough to chart is held whole, and so that even a
 * renderer counting `document.rows` sees a larger one as too large to chart.
 */
export const SITE_ROW_LIMIT = MAX_CHART_ROWS + 1;

/** A dataset as the site renderers see it. */
export interface SiteDataset {
  readonly entry: CatalogDataset;
  /**
   * The latest version's `<id>.json`: metadata, columns and the first rows, at
   * most {@link SITE_ROW_LIMIT} of them. Never assume these are all the rows:
   * {@link SiteDataset.totalRows} says how many there are.
   */
  readonly document: DatasetDocument;
  /** How many rows the latest version has (from the catalog), whatever `document.rows` holds. */
  readonly totalRows: number;
  /**
   * Each version's `changes.json`, newest first (same order as `entry.versions`),
   * with at most {@link CHANGELOG_ITEMS} rows in each of `added`, `removed` and
   * `changed` (`summary` has the totals). For an `initial` version it is built
   * from the catalog entry, with empty row lists.
   */
  readonly changes: readonly ChangesDocument[];
  /** The latest version's `stats.json`, when it has one (versions published before it do not). */
  readonly stats?: StatsDocument;
  /**
   * Whether the latest version's quotes were held to the source text when it was published, as its
   * `validation.json` records it: absent where the dataset has no quotes, or the report says nothing of it.
   */
  readonly provenance?: 'passed' | 'not-checked';
}

/**
 * `stats.json` is a few lines per column, `validation.json` at most a thousand issues: a larger one is not
 * what the pipeline wrote, and is not shown.
 */
const MAX_STATS_BYTES = 4 * 1024 * 1024;

/** A site-wide file (`index.html`, `catalog.jsonld`, `feed.xml`, `datasets/<id>/index.html`, …). */
export interface SiteFile {
  readonly key: string;
  /** The bytes; a costly file (a chart's PNG) makes them when this is read, so it is read once. */
  readonly body: Uint8Array;
  /**
   * Whether the store's copy (`existing`) is this file, found without making the bytes: for a costly file
   * whose copy records what it was made from. Without it, or when it says no, the bytes are made and compared.
   */
  readonly current?: (existing: Uint8Array) => boolean;
}

/**
 * Renders site-wide files from the catalog. Pure: the same context gives the
 * same bytes. The files may be made one at a time as they are written (a
 * generator), so that only one of them need be held.
 */
export interface SiteRenderer {
  readonly name: string;
  render(context: SiteContext): Iterable<SiteFile>;
}

export { SITE_KEY_PATTERNS } from './site-keys.js';
import { versionFileKey } from './site-keys.js';

/** Site renderers run after every catalog commit, in this order. */
export const SITE_RENDERERS: SiteRenderer[] = [
  chartFilesRenderer,
  citationFilesRenderer,
  datasetPagesRenderer,
  dcatRenderer,
  feedRenderer,
  indexPageRenderer,
];

/**
 * A published file the site is rendered from is missing, or is not what the catalog says it is. The message
 * says what to do: the file is a version's, which no run rewrites, so it is restored from a copy. `afterCommit`:
 * the run had written the catalog, listing its new versions, before the pages were to be drawn.
 */
export class SiteSourceError extends OpenDataError {
  override readonly name = 'SiteSourceError';
  readonly code = 'site-source';
  constructor(
    readonly problem: string,
    readonly key: string,
    options?: { cause?: unknown; afterCommit?: boolean },
  ) {
    const listed = options?.afterCommit === true ? " (the catalog lists this run's new versions)" : '';
    super(
      `${problem}; latest/, the pages, feed and DCAT catalog are drawn from it, so they were not brought up to date${listed}: a published file must never change, and no run rewrites one: restore it from a copy (a backup, or the bucket's version history on S3), then run verify and publish again`,
      options,
    );
  }
}

/**
 * Reads what the site renderers need for every dataset listed in the catalog,
 * a bounded amount whatever the datasets' sizes: the head of each latest
 * `<id>.json` (see {@link SITE_ROW_LIMIT}) and of each later version's
 * `changes.json`, streamed and released as soon as enough is read. An
 * `initial` version's `changes.json`, which lists every row, is not read at all.
 * The context carries the process's chart rasterizer (created on first use).
 */
export async function loadSiteContext(
  store: Pick<ObjectStore, 'open' | 'get' | 'absenceOf'>,
  catalog: Catalog,
  baseUrl: string,
): Promise<SiteContext> {
  const read = async <T>(
    key: string,
    excerpt: (chunks: AsyncIterable<Uint8Array>) => Promise<T>,
  ): Promise<T> => {
    const chunks = await store.open(key);
    if (chunks === undefined)
      throw new SiteSourceError(
        `${key} is listed in the catalog but missing from the store${await absenceNote(store, key)}`,
        key,
      );
    try {
      return await excerpt(chunks);
    } catch (error) {
      if (!(error instanceof JsonExcerptError)) throw error;
      throw new SiteSourceError(`${key}: ${error.message}`, key, { cause: error });
    }
  };
  const datasets = await Promise.all(
    catalog.datasets.map(async (entry): Promise<SiteDataset> => ({
      entry,
      document: await read(versionFileKey(entry.id, entry.latest, `${entry.id}.json`), (chunks) =>
        readDatasetExcerpt(chunks, SITE_ROW_LIMIT),
      ),
      totalRows: latestVersion(entry).rows,
      ...(await readStats(store, entry)),
      ...(await readProvenance(store, entry)),
      changes: await Promise.all(
        entry.versions.map((version) =>
          version.change === 'initial'
            ? initialChanges(entry.id, version)
            : read(versionFileKey(entry.id, version.version, 'changes.json'), (chunks) =>
                readChangesExcerpt(chunks, CHANGELOG_ITEMS),
              ),
        ),
      ),
    })),
  );
  return { catalog, baseUrl: withTrailingSlash(baseUrl), datasets, rasterize: await chartRasterizer() };
}

/**
 * Something the pages leave out of a dataset that its publisher should hear
 * of, as its page says it: a declared chart not drawn, and why.
 */
export interface SiteNote {
  readonly id: string;
  readonly message: string;
}

/** The notes of a context's datasets, in catalog order. */
export function siteNotes(context: SiteContext): SiteNote[] {
  return context.datasets.flatMap(({ entry, document, totalRows }) =>
    chartNotes(document, totalRows).map((message) => ({ id: entry.id, message })),
  );
}

/**
 * Renders the site-wide files from the committed catalog and writes those
 * whose bytes differ from what is published (so an unchanged run only reads).
 * Runs after the catalog commit, and so also repairs files a crash left stale.
 * Returns the keys it wrote and the {@link SiteNote}s of what the pages leave
 * out.
 */
export async function publishSiteFiles(
  store: ObjectStore,
  catalog: Catalog,
  baseUrl: string,
  renderers: readonly SiteRenderer[] = SITE_RENDERERS,
): Promise<{ written: readonly string[]; notes: readonly SiteNote[] }> {
  if (renderers.length === 0) return { written: [], notes: [] };
  const context = await loadSiteContext(store, catalog, baseUrl);
  const written: string[] = [];
  for (const renderer of renderers) {
    for (const file of renderer.render(context)) {
      const existing = await store.get(file.key);
      if (existing !== undefined && file.current?.(existing.body) === true) continue;
      const { body } = file;
      if (existing !== undefined && sha256Hex(existing.body) === sha256Hex(body)) continue;
      await store.put(file.key, body, objectMetaFor(file.key));
      written.push(file.key);
    }
  }
  return { written, notes: siteNotes(context) };
}

async function readStats(
  store: Pick<ObjectStore, 'get' | 'absenceOf'>,
  entry: CatalogDataset,
): Promise<{ stats?: StatsDocument }> {
  const stats = await readSmallJson(store, entry, 'stats');
  return stats === undefined ? {} : { stats: stats as StatsDocument };
}

/** The latest version's provenance check, from its `validation.json` (see {@link SiteDataset.provenance}). */
async function readProvenance(
  store: Pick<ObjectStore, 'get' | 'absenceOf'>,
  entry: CatalogDataset,
): Promise<{ provenance?: 'passed' | 'not-checked' }> {
  const report = (await readSmallJson(store, entry, 'validation')) as
    { datasets?: { checks?: { check?: unknown; status?: unknown }[] }[] } | undefined;
  const checks = Array.isArray(report?.datasets?.[0]?.checks) ? (report?.datasets?.[0]?.checks ?? []) : [];
  const status = checks.find((check) => check.check === 'provenance')?.status;
  return status === 'passed' || status === 'not-checked' ? { provenance: status } : {};
}

/**
 * The latest version's file of `format`, parsed, when it is listed, no larger than {@link MAX_STATS_BYTES}
 * and the bytes the catalog lists; `undefined` otherwise (versions published before the format have none).
 */
async function readSmallJson(
  store: Pick<ObjectStore, 'get' | 'absenceOf'>,
  entry: CatalogDataset,
  format: string,
): Promise<unknown> {
  const listed = latestVersion(entry).distributions.find((distribution) => distribution.format === format);
  if (listed === undefined || listed.bytes > MAX_STATS_BYTES) return undefined;
  // Read no further than the bytes the catalog lists: a file that is not those bytes (edited since it was
  // published, a larger one too) is not what the version says, and the page says nothing from it, where an
  // edited validation.json had it say "Not checked".
  let found: StoredObject | undefined;
  try {
    found = await store.get(listed.path, { maxBytes: listed.bytes });
  } catch (error) {
    if (error instanceof ObjectTooLargeError) return undefined;
    throw error;
  }
  if (found === undefined)
    throw new SiteSourceError(
      `${listed.path} is listed in the catalog but missing from the store${await absenceNote(store, listed.path)}`,
      listed.path,
    );
  if (found.body.byteLength !== listed.bytes || sha256Hex(found.body) !== listed.sha256) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(found.body)) as unknown;
  } catch (error) {
    throw new SiteSourceError(`${listed.path}: not valid JSON`, listed.path, { cause: error });
  }
}

/** Normalises a base URL to end with `/`, so relative keys resolve under it. */
export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
