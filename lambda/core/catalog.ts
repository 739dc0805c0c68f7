import type { ChangeKind } from './changes.js';

/** Site-wide metadata written at the top of the catalog (`data/site.json`). */
export interface SiteMeta {
  readonly title: string;
  readonly description: string;
  readonly publisher: { readonly name: string; readonly url?: string };
  readonly license: 'CC-BY-4.0';
}

/** One downloadable file of a version. `path` is relative to the site root. */
export interface Distribution {
  readonly format: string;
  readonly mediaType: string;
  readonly path: string;
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the file's bytes. */
  readonly sha256: string;
  /** Absolute URL, present when the site's base URL is known. */
  readonly url?: string;
}

/** One published version of a dataset. Its files never change once written. */
export interface CatalogVersion {
  readonly version: string;
  /** ISO 8601 UTC time the version was published. */
  readonly published: string;
  readonly contentHash: string;
  readonly schemaHash: string;
  readonly rows: number;
  readonly change: ChangeKind;
  readonly previousVersion?: string;
  readonly distributions: readonly Distribution[];
}

/** A dataset in the catalog with every version, newest first. */
export interface CatalogDataset {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly license: string;
  readonly latest: string;
  /** When the latest version was published. */
  readonly modified: string;
  readonly versions: readonly CatalogVersion[];
}

/** `catalog.json`: see `schemas/catalog.schema.json`. */
export interface Catalog extends SiteMeta {
  readonly modified: string;
  readonly datasets: readonly CatalogDataset[];
}

/** A version whose files are written and which now waits to be listed in the catalog. */
export interface StagedVersion {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly license: string;
  readonly version: CatalogVersion;
  /** Version numbers passed over because unlisted folders of failed attempts hold other bytes. */
  readonly skipped?: readonly string[];
}

/**
 * Appends staged versions to a catalog (or starts one): the commit step of
 * `history.ts`. Each staged version must have been staged on the dataset's
 * current head (its `previousVersion` is the head, or both are absent) and
 * carry a higher version number, so that the history stays linear; anything
 * else is a bug in the caller. Datasets stay sorted by id, nothing already
 * listed is ever dropped or changed, and `modified` moves to `now` only if
 * something changed (a new version, or new site metadata).
 */
export function appendVersions(
  current: Catalog | undefined,
  site: SiteMeta,
  staged: readonly StagedVersion[],
  now: string,
): { catalog: Catalog; changed: boolean } {
  const datasets = new Map((current?.datasets ?? []).map((dataset) => [dataset.id, dataset]));
  let changed = current === undefined || !sameSite(current, site);
  for (const entry of staged) {
    const existing = datasets.get(entry.id);
    const head = existing?.versions.find((version) => version.version === existing.latest);
    if (head?.version !== entry.version.previousVersion)
      throw new Error(
        `dataset "${entry.id}": version ${entry.version.version} was staged on ${entry.version.previousVersion ?? '(none)'}, but the head is ${head?.version ?? '(none)'}`,
      );
    if (head !== undefined && compareVersions(entry.version.version, head.version) <= 0)
      throw new Error(
        `dataset "${entry.id}": version ${entry.version.version} does not follow the head ${head.version}`,
      );
    changed = true;
    datasets.set(entry.id, {
      id: entry.id,
      title: entry.title,
      description: entry.description,
      keywords: entry.keywords,
      license: entry.license,
      latest: entry.version.version,
      modified: entry.version.published,
      versions: [entry.version, ...(existing?.versions ?? [])],
    });
  }
  const catalog: Catalog = {
    title: site.title,
    description: site.description,
    publisher: site.publisher,
    license: site.license,
    modified: changed ? now : (current?.modified ?? now),
    datasets: [...datasets.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
  return { catalog, changed };
}

function sameSite(catalog: Catalog, site: SiteMeta): boolean {
  return (
    catalog.title === site.title &&
    catalog.description === site.description &&
    catalog.license === site.license &&
    JSON.stringify(catalog.publisher) === JSON.stringify(site.publisher)
  );
}

/** Orders `major.minor.patch` strings numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
