import { sha256Hex } from './canonical.js';
import type { Catalog, CatalogDataset } from './catalog.js';
import type { ChangesDocument } from './changes.js';
import { objectMetaFor } from './content-policy.js';
import type { DatasetDocument } from './dataset-document.js';
import type { ObjectStore } from './object-store.js';
import { chartFilesRenderer } from './site/charts.js';
import { dcatRenderer } from './site/dcat.js';
import { feedRenderer } from './site/feed.js';
import { datasetPagesRenderer } from './site/html-dataset.js';
import { indexPageRenderer } from './site/html-index.js';

/** Base URL used for absolute links when none is configured: where `opendata serve` listens by default. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080/';

/** Everything the site-wide files are rendered from: the committed catalog and each dataset's latest files. */
export interface SiteContext {
  readonly catalog: Catalog;
  /** Absolute site URL ending in `/`. */
  readonly baseUrl: string;
  /** One entry per catalog dataset, in catalog order. */
  readonly datasets: readonly SiteDataset[];
}

/** A dataset as the site renderers see it. */
export interface SiteDataset {
  readonly entry: CatalogDataset;
  /** The latest version's `<id>.json`: metadata, columns and typed rows. */
  readonly document: DatasetDocument;
  /** Each version's `changes.json`, newest first (same order as `entry.versions`). */
  readonly changes: readonly ChangesDocument[];
}

/** A site-wide file (`index.html`, `catalog.jsonld`, `feed.xml`, `datasets/<id>/index.html`, …). */
export interface SiteFile {
  readonly key: string;
  readonly body: Uint8Array;
}

/** Renders site-wide files from the catalog. Pure: the same context gives the same bytes. */
export interface SiteRenderer {
  readonly name: string;
  render(context: SiteContext): readonly SiteFile[];
}

export { SITE_KEY_PATTERNS } from './site-keys.js';

/** Site renderers run after every catalog commit, in this order. */
export const SITE_RENDERERS: SiteRenderer[] = [
  chartFilesRenderer,
  datasetPagesRenderer,
  dcatRenderer,
  feedRenderer,
  indexPageRenderer,
];

/** Reads what the site renderers need for every dataset listed in the catalog. */
export async function loadSiteContext(
  store: Pick<ObjectStore, 'get'>,
  catalog: Catalog,
  baseUrl: string,
): Promise<SiteContext> {
  const readJson = async <T>(key: string): Promise<T> => {
    const object = await store.get(key);
    if (object === undefined) throw new Error(`${key} is listed in the catalog but missing from the store`);
    return JSON.parse(new TextDecoder().decode(object.body)) as T;
  };
  const datasets = await Promise.all(
    catalog.datasets.map(async (entry) => ({
      entry,
      document: await readJson<DatasetDocument>(`datasets/${entry.id}/${entry.latest}/${entry.id}.json`),
      changes: await Promise.all(
        entry.versions.map((version) =>
          readJson<ChangesDocument>(`datasets/${entry.id}/${version.version}/changes.json`),
        ),
      ),
    })),
  );
  return { catalog, baseUrl: withTrailingSlash(baseUrl), datasets };
}

/**
 * Renders the site-wide files from the committed catalog and writes those
 * whose bytes differ from what is published (so an unchanged run only reads).
 * Runs after the catalog commit, and so also repairs files a crash left stale.
 */
export async function publishSiteFiles(
  store: ObjectStore,
  catalog: Catalog,
  baseUrl: string,
  renderers: readonly SiteRenderer[] = SITE_RENDERERS,
): Promise<{ written: number }> {
  if (renderers.length === 0) return { written: 0 };
  const context = await loadSiteContext(store, catalog, baseUrl);
  let written = 0;
  for (const renderer of renderers) {
    for (const file of renderer.render(context)) {
      const existing = await store.get(file.key);
      if (existing !== undefined && sha256Hex(existing.body) === sha256Hex(file.body)) continue;
      await store.put(file.key, file.body, objectMetaFor(file.key));
      written++;
    }
  }
  return { written };
}

/** Normalises a base URL to end with `/`, so relative keys resolve under it. */
export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
