// Kept apart from site.ts so that the CDK app can read these keys without loading the renderers.
import type { Catalog } from './catalog.js';
/**
 * The published tree's key layout, the one place that knows it: where the
 * catalog, a version's files, the `latest/` mirror, the pages and the charts
 * live, relative to the site root. The publisher, the renderers, the verifier,
 * the content policy, `serve` and the CDK grants all build or match keys here.
 */

/** The catalog: the history's only commit point. */
export const CATALOG_KEY = 'catalog.json';

/** The name of the folder that mirrors the newest listed version of a dataset. */
export const LATEST = 'latest';

/** `datasets/<id>/` */
export function datasetFolder(id: string): string {
  return `datasets/${id}/`;
}

/** `datasets/<id>/<version>/`: an immutable version folder. */
export function versionFolder(id: string, version: string): string {
  return `${datasetFolder(id)}${version}/`;
}

/** `datasets/<id>/<version>/<name>` */
export function versionFileKey(id: string, version: string, name: string): string {
  return `${versionFolder(id, version)}${name}`;
}

/** `datasets/<id>/latest/` */
export function latestFolder(id: string): string {
  return `${datasetFolder(id)}${LATEST}/`;
}

/** `datasets/<id>/latest/<name>` */
export function latestFileKey(id: string, name: string): string {
  return `${latestFolder(id)}${name}`;
}

/** `datasets/<id>/index.html`: the dataset's page. */
export function datasetPageKey(id: string): string {
  return `${datasetFolder(id)}index.html`;
}

/** `datasets/<id>/<chart>.svg`: a chart of the dataset's page, published on its own. */
export function chartKey(id: string, chart: string): string {
  return `${datasetFolder(id)}${chart}.svg`;
}

/** `datasets/<id>/<chart>.png`: the same chart as a picture to paste into documents. */
export function chartImageKey(id: string, chart: string): string {
  return `${datasetFolder(id)}${chart}.png`;
}

/** `datasets/<id>/chart-data/<chart>.csv`: the rows a chart draws, as CSV. */
export function chartDataKey(id: string, chart: string): string {
  return `${datasetFolder(id)}chart-data/${chart}.csv`;
}

/** `datasets/<id>/cite/`: the citations of the dataset's listed versions. */
export function citationFolder(id: string): string {
  return `${datasetFolder(id)}cite/`;
}

/** `datasets/<id>/cite/<version>.<extension>`: a version's citation in one format (`bib`, `ris`, `csl.json`: see formats/). */
export function citationKey(id: string, version: string, extension: string): string {
  return `${citationFolder(id)}${version}.${extension}`;
}

/**
 * A folder of a dataset's files, `/datasets/<id>/<folder>/` (a version, `latest/`, `cite/`, `chart-data/`), as
 * a request path pattern whose group is the dataset's folder, `/datasets/<id>/`, where its page is. Such a
 * folder has no page of its own (S3 has no folder listings); the dataset's page lists and links its files, so
 * `serve` and the CloudFront function send a browser there.
 */
export const DATASET_SUBFOLDER_PATH = `^(/${datasetFolder('[^/]+')})[^/]+/$`;

/** The file name at the end of a key. */
export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** A version number as a folder or citation names it, `x.y.z`. */
const VERSION = String.raw`\d+\.\d+\.\d+`;

const VERSIONED_KEY = new RegExp(String.raw`^datasets/[a-z][a-z0-9-]{0,62}/${VERSION}/`);

/** The version of the version folder holding `key`, a key under the dataset folder of `id`; else undefined. */
export function versionHolding(id: string, key: string): string | undefined {
  const folder = datasetFolder(id);
  if (!key.startsWith(folder)) return undefined;
  const rest = key.slice(folder.length);
  const slash = rest.indexOf('/');
  const name = rest.slice(0, slash);
  return slash > 0 && VERSION_NAME.test(name) ? name : undefined;
}

const VERSION_NAME = new RegExp(`^${VERSION}$`);

/** True for keys inside an immutable version folder (`datasets/<id>/<x.y.z>/…`). */
export function isVersionedKey(key: string): boolean {
  return VERSIONED_KEY.test(key);
}

/**
 * Whether a version's file at `key` may be read at `real`, where the links on its way lead (both relative to
 * the tree's root, `/`-separated): a version's file must never change, so it may lead only to a version's
 * file (a link sharing another version's identical file), never to one of `latest/` or a page, which the
 * next commit writes again.
 */
export function versionFileMayLeadTo(key: string, real: string): boolean {
  return !isVersionedKey(key) || isVersionedKey(real);
}

/**
 * Whether a folder of the tree (its path without a trailing slash, `''` for the root) holds, or lies in, a
 * version's folder: the root, `datasets`, a dataset's folder, a version's folder and what is inside it. Every
 * other folder (`latest/`, `chart-data/`, `cite/`) holds files the commit writes again from the catalog.
 */
export function mayHoldVersions(folder: string): boolean {
  const segments = folder === '' ? [] : folder.split('/');
  if (segments.length === 0) return true;
  if (segments[0] !== 'datasets') return false;
  return segments.length <= 2 || isVersionedKey(`${folder}/`);
}

/**
 * Every key the catalog commit writes outside the dataset folders, as IAM
 * object-key patterns (`*` is any run of characters): `catalog.json`, then
 * what the `SITE_RENDERERS` of site.ts write. The stack grants the commit
 * function exactly these, so a renderer that writes another key must add it here.
 */
export const SITE_KEY_PATTERNS = [
  CATALOG_KEY,
  'catalog.jsonld',
  'index.html',
  'feed.xml',
  datasetPageKey('*'),
  chartKey('*', '*'),
  chartImageKey('*', '*'),
  // Folders no version folder has, so neither pattern reaches an immutable version's files.
  chartDataKey('*', '*'),
  `${citationFolder('*')}*`,
] as const;

/** Every file of every dataset (version folders, `latest/`, pages, charts), as an IAM object-key pattern. */
export const DATASET_FILES_PATTERN = 'datasets/*';

/**
 * Every file of an immutable version folder `datasets/<id>/<x.y.z>/<file>`, as an IAM
 * object-key pattern. IAM wildcards cannot say "digits", but only version folders have a
 * `/` after two dots: `latest/` files, dataset pages, charts and catalog files never do.
 */
export const VERSIONED_FILES_PATTERN = `${versionFolder('*', '*.*.*')}*`;

/** Every `latest/` file, as a key pattern (CloudFront cache behaviours). */
export const LATEST_FILES_PATTERN = `${latestFolder('*')}*`;

/** A version's citation file under `cite/`, `<version>.<extension>` in any format: the version it cites. */
const CITATION_NAME = new RegExp(String.raw`^(${VERSION})\.[^/]+$`);

/**
 * Of `keys`, those only a listed version leaves (a dataset's page or `latest/` files, a version's
 * citations: derived files, written after a commit listed the version) under a dataset or version that
 * `catalog` does not list: a sign that the catalog, or an entry of it, was lost.
 */
export function keysOfUnlistedVersions(keys: readonly string[], catalog: Catalog | undefined): string[] {
  const listed = new Map(
    (catalog?.datasets ?? []).map((dataset) => [dataset.id, new Set(dataset.versions.map((v) => v.version))]),
  );
  return keys.filter((key) => {
    const [, id = ''] = key.split('/');
    const versions = listed.get(id);
    const cited = key.startsWith(citationFolder(id))
      ? CITATION_NAME.exec(key.slice(citationFolder(id).length))?.[1]
      : undefined;
    return (
      ((key === datasetPageKey(id) || key.startsWith(latestFolder(id))) && versions === undefined) ||
      (cited !== undefined && versions?.has(cited) !== true)
    );
  });
}
