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
}

/** Two publishers produced the same version number with different content. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
}

/**
 * Adds staged versions to a catalog (or starts one). A version already listed
 * with the same content hash is left as it is, so re-committing after a crash
 * or a concurrent run changes nothing; the same version number with other
 * content is a {@link VersionConflictError}. Datasets stay sorted by id and
 * nothing already listed is ever dropped. `modified` is set to `now` only if
 * something changed; `added` names the datasets whose staged version is new.
 */
export function mergeCatalog(
  current: Catalog | undefined,
  site: SiteMeta,
  staged: readonly StagedVersion[],
  now: string,
): { catalog: Catalog; changed: boolean; added: readonly string[] } {
  const datasets = new Map((current?.datasets ?? []).map((dataset) => [dataset.id, dataset]));
  let changed = current === undefined || !sameSite(current, site);
  const added: string[] = [];
  for (const entry of staged) {
    const existing = datasets.get(entry.id);
    const versions = existing?.versions ?? [];
    const same = versions.find((version) => version.version === entry.version.version);
    if (same !== undefined) {
      if (same.contentHash !== entry.version.contentHash) {
        throw new VersionConflictError(
          `dataset "${entry.id}" already has version ${same.version} with different content (${same.contentHash})`,
        );
      }
      continue;
    }
    if (versions.some((version) => version.contentHash === entry.version.contentHash)) continue;
    changed = true;
    added.push(entry.id);
    const merged = [entry.version, ...versions].sort((a, b) => compareVersions(b.version, a.version));
    const latest = merged[0] ?? entry.version;
    datasets.set(entry.id, {
      id: entry.id,
      title: entry.title,
      description: entry.description,
      keywords: entry.keywords,
      license: entry.license,
      latest: latest.version,
      modified: latest.published,
      versions: merged,
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
  return { catalog, changed, added };
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
