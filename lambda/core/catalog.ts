import type { ChangeKind, ChangePreview } from './changes.js';

/** Site-wide metadata written at the top of the catalog (`data/site.json`). */
export interface SiteMeta {
  readonly title: string;
  readonly description: string;
  readonly publisher: { readonly name: string; readonly url?: string };
  /** Whom users write to about the data: a name with an email address, a web page, or both. */
  readonly contactPoint?: ContactPoint;
  readonly license: 'CC-BY-4.0';
}

/** A contact point from `data/site.json` (at least one of `email` and `url`). */
export interface ContactPoint {
  readonly name: string;
  readonly email?: string;
  readonly url?: string;
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
  /**
   * The hash of the schema's rules, its annotations left out and its sets in one order (`rulesOf`): what decides a
   * major version. Absent from versions published before it was recorded; the next version is then
   * compared by {@link CatalogVersion.schemaHash}.
   */
  readonly rulesHash?: string;
  readonly rows: number;
  readonly change: ChangeKind;
  readonly previousVersion?: string;
  /** The curator's reason for the change (`--message`, or the descriptor's `changeMessage`). */
  readonly message?: string;
  /**
   * The version's references to rows of other datasets (or of its own), as its descriptor declared them
   * when it was published (empty where it declared none): what a commit checks the versions it lists
   * against. Absent from versions published before they were recorded, whose source descriptor is read
   * instead.
   */
  readonly foreignKeys?: readonly VersionForeignKey[];
  /**
   * The version's declared `equals` rules that compare its rows with another dataset's, as its descriptor
   * declared them when it was published (empty where it declared none); a rule that names a known conflict
   * of the source, whose failures are expected, is left out. What a commit checks the versions it lists
   * against, as it does the foreign keys. Absent from versions published before they were recorded, whose
   * source descriptor is read instead.
   */
  readonly crossDatasetRules?: readonly VersionRule[];
  readonly distributions: readonly Distribution[];
}

/** An `equals` rule between two datasets as a catalog version records it, each list of fields an array. */
export interface VersionRule {
  readonly id: string;
  readonly column: string;
  readonly fields: readonly string[];
  readonly reference: {
    readonly resource: string;
    readonly fields: readonly string[];
    readonly column: string;
  };
  /** Numbers may differ by this much; absent: 0. */
  readonly tolerance?: number;
}

/** A foreign key as a catalog version records it: Table Schema's, each list of fields an array. */
export interface VersionForeignKey {
  readonly fields: readonly string[];
  readonly reference: { readonly resource: string; readonly fields: readonly string[] };
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
  /**
   * The absolute URL the tree is served from, ending in `/`: the base of every
   * absolute link in the pages, feed and DCAT catalog, and of each
   * distribution's `url`. Recorded by the first run that is given one and kept
   * by runs that are not; absent while none was ever given.
   */
  readonly baseUrl?: string;
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
  /** The rows this version changed, for the run's report (not listed in the catalog). */
  readonly changes?: ChangePreview;
  /**
   * The earlier version that already carries the descriptor's `changeMessage`, which this one therefore
   * does not repeat: for the run's report, which says so (not listed in the catalog).
   */
  readonly messageUsedBy?: string;
}

/**
 * A base URL as the catalog records it: parsed and printed by the URL
 * standard (lowercase host, default port dropped), ending in `/` so that
 * site-relative keys resolve under it. Throws a `TypeError` for text that is
 * not a URL.
 */
export function normalizeBaseUrl(url: string): string {
  return new URL(url.endsWith('/') ? url : `${url}/`).href;
}

/**
 * The base URL a published tree was published for: the catalog's `baseUrl`,
 * or, in a catalog written before it was recorded there, the base that its
 * distributions' `url`s were made from (a `url` is the base followed by the
 * file's `path`). `undefined` when none was ever given.
 */
export function recordedBaseUrl(catalog: Catalog | undefined): string | undefined {
  if (catalog === undefined) return undefined;
  if (catalog.baseUrl !== undefined) return catalog.baseUrl;
  for (const dataset of catalog.datasets)
    for (const version of dataset.versions)
      for (const file of version.distributions)
        if (file.url?.endsWith(`/${file.path}`) === true && /^https?:\/\//.test(file.url))
          return file.url.slice(0, -file.path.length);
  return undefined;
}

/**
 * Appends staged versions to a catalog (or starts one): the commit step of
 * `history.ts`. Each staged version must have been staged on the dataset's
 * current head (its `previousVersion` is the head, or both are absent) and
 * carry a higher version number, so that the history stays linear; anything
 * else is a bug in the caller. Datasets stay sorted by id, no listed version
 * is ever dropped and none of its facts changes, and `modified` moves to `now`
 * only if something changed (a new version, new site metadata, a new base URL).
 *
 * `baseUrl` is the base URL this run was given, if any; without one the
 * catalog keeps the one it records ({@link recordedBaseUrl}). Each
 * distribution's `url` is the base URL followed by its `path`, so a new base
 * URL moves every `url` with it: the one part of a listed version that is not
 * a fact about its files but about where the tree is served.
 */
export function appendVersions(
  current: Catalog | undefined,
  site: SiteMeta,
  staged: readonly StagedVersion[],
  now: string,
  baseUrl?: string,
): { catalog: Catalog; changed: boolean } {
  const base = baseUrl === undefined ? recordedBaseUrl(current) : normalizeBaseUrl(baseUrl);
  const datasets = new Map((current?.datasets ?? []).map((dataset) => [dataset.id, dataset]));
  let changed = current === undefined || !sameSite(current, site) || current.baseUrl !== base;
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
  const sorted = [...datasets.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const catalog: Catalog = {
    title: site.title,
    description: site.description,
    publisher: site.publisher,
    ...(site.contactPoint === undefined ? {} : { contactPoint: site.contactPoint }),
    license: site.license,
    ...(base === undefined ? {} : { baseUrl: base }),
    // Never before the catalog it replaces nor a version it lists (a clock behind theirs dates them so).
    modified: changed
      ? [now, current?.modified, ...staged.map((entry) => entry.version.published)].reduce<string>(
          (latest, time) => (time !== undefined && Date.parse(time) > Date.parse(latest) ? time : latest),
          now,
        )
      : (current?.modified ?? now),
    datasets: base === undefined ? sorted : sorted.map((dataset) => withUrls(dataset, base)),
  };
  return { catalog, changed };
}

/** The dataset with every distribution's `url` made from `base` and its `path`. */
function withUrls(dataset: CatalogDataset, base: string): CatalogDataset {
  return {
    ...dataset,
    versions: dataset.versions.map((version) => ({
      ...version,
      distributions: version.distributions.map((file) => ({ ...file, url: new URL(file.path, base).href })),
    })),
  };
}

function sameSite(catalog: Catalog, site: SiteMeta): boolean {
  return (
    catalog.title === site.title &&
    catalog.description === site.description &&
    catalog.license === site.license &&
    JSON.stringify(catalog.publisher) === JSON.stringify(site.publisher) &&
    JSON.stringify(catalog.contactPoint) === JSON.stringify(site.contactPoint)
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
