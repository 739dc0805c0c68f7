/**
 * The commit protocol: how a dataset's version history grows, for every store
 * (directory, S3) and every entry point (the CLI, the Lambda steps).
 *
 * It follows the table formats that commit on object stores (Iceberg, Delta
 * Lake): files first, under names no commit owns yet; then one atomic pointer
 * swap; losers re-base on the new head and try again.
 *
 * 1. **Stage.** A version is rendered against the dataset's head in the catalog
 *    as read (its *base*) and written create-only into `datasets/<id>/<v>/`
 *    ({@link claimVersionFolder}). A folder the catalog does not list is debris
 *    of an attempt that never committed: it is adopted when its bytes are
 *    exactly what this run would write, and otherwise its version number is
 *    skipped (SemVer allows gaps). Nothing is ever deleted or overwritten.
 * 2. **Commit.** `catalog.json` is the only commit point. It is replaced only if
 *    unchanged since read (`If-Match`), and a staged version is appended only if
 *    its base is still the dataset's head ({@link commitVersions}). When another
 *    publisher moved the head, this one re-bases: it stages again against the
 *    new head (a new version number and a new diff) or finds its content
 *    already there. So every history is linear: each listed version's
 *    `previousVersion` is the one listed before it.
 * 3. **Derive.** `latest/`, the pages, the feed and the DCAT catalog are
 *    functions of the committed catalog. Every run brings them up to date,
 *    repairing whatever is missing or altered, from the listed versions
 *    ({@link syncDerivedFiles}); version folders are never touched.
 *
 * A crash at any instant leaves the previous catalog valid; the next ordinary
 * run adopts or skips the debris and repairs the derived files.
 */
import {
  appendVersions,
  recordedBaseUrl,
  type Catalog,
  type CatalogVersion,
  type Distribution,
  type SiteMeta,
  type StagedVersion,
} from './catalog.js';
import { checkCatalogShape } from './catalog-shape.js';
import { nextVersion } from './changes.js';
import { mapConcurrent, STORE_CONCURRENCY } from './concurrency.js';
import { objectMetaFor } from './content-policy.js';
import { verifyDistributions, type VerifyProblem } from './distribution-check.js';
import { messageOf, OpenDataError } from './errors.js';
import { parseJsonDocument, parseJsonLocated } from './json-document.js';
import type { Issue } from './issue.js';
import {
  digestStream,
  objectExists,
  ObjectStoreError,
  ObjectTooLargeError,
  type ObjectStore,
  type PutBody,
  type StoredObject,
} from './object-store.js';
import { DEFAULT_BASE_URL, publishSiteFiles, SiteSourceError, type SiteNote } from './site.js';
import { decodeUtf8Document, InvalidUtf8Error, notUtf8Message } from './utf8.js';
import { DEFAULT_MAX_CATALOG_BYTES } from './verify.js';
import {
  CATALOG_KEY,
  datasetFolder,
  fileNameOf,
  keysOfUnlistedVersions,
  latestFileKey,
  versionFolder,
  versionHolding,
} from './site-keys.js';

export { CATALOG_KEY };

/** The published catalog cannot be read as a catalog. */
export class CorruptCatalogError extends OpenDataError {
  override readonly name = 'CorruptCatalogError';
  readonly code = 'catalog-corrupt';
}

/** The catalog kept changing under a run: too many publishers at once, or one that loops. */
export class CommitContentionError extends OpenDataError {
  override readonly name = 'CommitContentionError';
  readonly code = 'commit-contention';
}

/** The catalog as read, with the tag a conditional replace needs. */
export interface CatalogSnapshot {
  readonly catalog?: Catalog;
  readonly etag?: string;
}

/** Reads and parses `catalog.json`; absent ⇒ no catalog. */
export async function readCatalog(store: Pick<ObjectStore, 'get' | 'absenceOf'>): Promise<CatalogSnapshot> {
  // No larger than verify reads (its default --max-catalog-bytes), and refused before it is read whole: a file
  // past V8's longest string made the run fail as a bug, one of gigabytes took their memory first, and a
  // catalog verify cannot read is no catalog a run should list versions in.
  let object: StoredObject | undefined;
  try {
    object = await store.get(CATALOG_KEY, { maxBytes: DEFAULT_MAX_CATALOG_BYTES });
  } catch (error) {
    if (!(error instanceof ObjectTooLargeError)) throw error;
    throw new CorruptCatalogError(
      `${CATALOG_KEY} in the published tree is ${error.bytes} bytes, larger than the ${DEFAULT_MAX_CATALOG_BYTES}-byte limit for a catalog (verify's --max-catalog-bytes): restore it from a copy (a backup, or the bucket's version history on S3), then run verify`,
    );
  }
  if (object === undefined) {
    // Something no reader takes for the catalog (a folder, a link out of the tree): the tree is not new, and a
    // run that took it for one would list only its own datasets.
    const there = await store.absenceOf?.(CATALOG_KEY);
    if (there !== undefined)
      throw new CorruptCatalogError(
        `${CATALOG_KEY} in the published tree is no file (${there}): put the catalog file itself there (from a backup, or the bucket's version history on S3), then run verify; where nothing was published yet, remove it`,
      );
    return {};
  }
  // A catalog cut short or hand-edited is named at its line and column. A run reads it many times, with
  // JSON.parse alone; verify reads it as the curated documents are read, for what JSON.parse reads otherwise
  // than a reviewer (a repeated key, a number past a double), which a run looks for only in a catalog whose
  // shape is wrong, to say where (1e400 read as Infinity, where a count must be).
  // Strict, as verify reads it: a byte that is not UTF-8 (a hand edit saved as Latin-1) read as U+FFFD would go
  // into the pages and the next catalog written, while verify calls the catalog unreadable.
  let text: string;
  try {
    text = decodeUtf8Document(object.body);
  } catch (error) {
    if (!(error instanceof InvalidUtf8Error)) throw error;
    throw new CorruptCatalogError(
      `${CATALOG_KEY}:${error.line}:${error.column} in the published tree: ${notUtf8Message(error)}; restore it from a copy (a backup, or the bucket's version history on S3), then run verify`,
    );
  }
  const parsed = parseJsonLocated(text, CATALOG_KEY, 'schema-error');
  const corrupt = (issue: Issue | undefined) =>
    new CorruptCatalogError(
      `${CATALOG_KEY}:${issue?.line}:${issue?.column} in the published tree${issue?.field === undefined ? '' : ` (${issue.field})`}: ${issue?.message}; restore it from a copy (a backup, or the bucket's version history on S3), then run verify`,
    );
  if (!parsed.ok) throw corrupt(parsed.issues[0]);
  const catalog = parsed.value;
  // Checked whole, as verify checks it: a value of the wrong kind (a base URL that is no http(s) URL, a count
  // that is text) is named here, rather than met by the code that draws the pages, and a dataset listed twice
  // here, rather than merged into one entry that has lost the other's versions by the next commit.
  const shape = checkCatalogShape(catalog);
  if (!shape.ok) {
    const thorough = parseJsonDocument(text, CATALOG_KEY, 'schema-error');
    if (!thorough.ok) throw corrupt(thorough.issues[0]);
    throw new CorruptCatalogError(
      `${CATALOG_KEY} in the published tree ${shape.message}; put that right in it, or restore it from a copy (a backup, or the bucket's version history on S3), then run verify`,
    );
  }
  return { catalog: shape.catalog, etag: object.etag };
}

/** The dataset's newest listed version in a catalog, if it has any. */
export function headOf(catalog: Catalog | undefined, id: string): CatalogVersion | undefined {
  const dataset = catalog?.datasets.find((entry) => entry.id === id);
  return dataset?.versions.find((version) => version.version === dataset.latest);
}

/** A file ready to be written into a version folder. */
export interface VersionFile {
  readonly name: string;
  readonly body: PutBody;
  readonly sha256: string;
}

/**
 * Writes a version's files into `datasets/<id>/<version>/`, create-only, in the
 * order given. Returns `'written'` when the folder now holds exactly these
 * files (all written by this call, or some left by an earlier attempt with the
 * same bytes: adopted), and `'taken'` when the folder holds anything else — a
 * file with other bytes or another name, from a crashed attempt or a concurrent
 * publisher. A taken folder is left as it is.
 *
 * Concurrent publishers write the files in the same order, so the first file
 * decides which of them owns a contended folder: the loser stops at that file
 * and has written nothing there.
 */
export async function claimVersionFolder(
  store: ObjectStore,
  id: string,
  version: string,
  files: readonly VersionFile[],
): Promise<'written' | 'taken'> {
  const folder = versionFolder(id, version);
  const names = new Set(files.map((file) => file.name));
  for await (const key of store.list(folder)) {
    if (!names.has(key.slice(folder.length))) return 'taken';
  }
  for (const file of files) {
    const key = `${folder}${file.name}`;
    if ((await store.putIfAbsent(key, file.body, objectMetaFor(key))) === 'created') continue;
    const existing = await store.open(key);
    if (existing === undefined || (await digestStream(existing)).sha256 !== file.sha256) return 'taken';
  }
  return 'written';
}

/**
 * How many version numbers held by a folder already (left by a failed attempt, or a concurrent publisher's)
 * a new version tries, where an attempt of the same bytes is adopted; the rest are passed over unread.
 */
export const ADOPTABLE_FOLDERS = 3;

/** How many free version numbers a new version tries, each found taken meanwhile, before the run gives up. */
export const MAX_SKIPPED_VERSIONS = 50;

/**
 * The version numbers to try for a new version, in order: the bump the change
 * calls for, then the next patch numbers, so that a skipped number never hides
 * the kind of change (`1.0.0` → `1.1.0` taken → `1.1.1` is still a minor step).
 * A number whose folder exists (`held`) is tried only among the first
 * {@link ADOPTABLE_FOLDERS} of them; the others are given with `pass: true`, to
 * be passed over without a read, however many there are: debris of failed
 * attempts never stops a dataset from being published. Ends once
 * {@link MAX_SKIPPED_VERSIONS} free numbers were tried.
 */
export function* candidateVersions(
  first: string,
  held: ReadonlySet<string>,
): Generator<{ readonly version: string; readonly pass: boolean }> {
  let adoptable = ADOPTABLE_FOLDERS;
  let free = MAX_SKIPPED_VERSIONS + 1;
  for (let version = first; free > 0; version = nextVersion(version, 'patch')) {
    if (!held.has(version)) free--;
    else if (adoptable > 0) adoptable--;
    else {
      yield { version, pass: true };
      continue;
    }
    yield { version, pass: false };
  }
}

/** What a dataset's folder holds, listed once: its version folders' numbers (listed or not, whole or not), and every other key. */
export interface DatasetFolderContents {
  readonly versions: ReadonlySet<string>;
  readonly others: readonly string[];
}

/** Lists a dataset's folder: see {@link DatasetFolderContents}. */
export async function datasetFolderContents(store: ObjectStore, id: string): Promise<DatasetFolderContents> {
  const versions = new Set<string>();
  const others: string[] = [];
  for await (const key of store.list(datasetFolder(id))) {
    const version = versionHolding(id, key);
    if (version === undefined) others.push(key);
    else versions.add(version);
  }
  return { versions, others };
}

/** What staging found for one dataset: nothing new, or a version written and waiting to be listed. */
export type StageResult =
  | { readonly status: 'unchanged'; readonly id: string; readonly version: string }
  | { readonly status: 'staged'; readonly id: string; readonly staged: StagedVersion };

/**
 * Stages a dataset again against the catalog as it is now (the head moved
 * since it was first staged). Supplied by the entry point, which knows where
 * the dataset's source is.
 */
export type Restage = (id: string, catalog: Catalog | undefined) => Promise<StageResult>;

/** What became of one staged version at commit. */
export type CommitResult =
  | {
      readonly status: 'listed';
      readonly id: string;
      readonly version: CatalogVersion;
      readonly rebased: boolean;
    }
  | {
      /** The head already holds this content (another publisher listed it first). */
      readonly status: 'unchanged';
      readonly id: string;
      readonly version: string;
    }
  | {
      /**
       * Left unlisted: listing it would break a foreign key or a rule between datasets
       * ({@link CommitOptions.references}).
       */
      readonly status: 'refused';
      readonly id: string;
      /** The staged version left unlisted. */
      readonly version: string;
      readonly message: string;
      /** What would break: a foreign key, or a rule. */
      readonly code: BetweenDatasets;
    };

/** What a commit checks between two datasets as it would list them: their foreign keys and their rules. */
export type BetweenDatasets = 'foreign-key' | 'rule-error';

/** What a commit did. */
export interface CommitOutcome {
  readonly catalog: Catalog;
  readonly catalogWritten: boolean;
  readonly results: readonly CommitResult[];
  /** The keys of `latest/`, pages, feed and DCAT written because they were missing or differed. */
  readonly derivedFilesWritten: readonly string[];
  /** Listed files that do not read back as the catalog states (empty when all is well). */
  readonly problems: readonly VerifyProblem[];
  /** The base URL the tree recorded before this commit, if any (see `recordedBaseUrl`). */
  readonly previousBaseUrl?: string | undefined;
  /** What the pages leave out (a chart not drawn, and why), for every dataset in the catalog. */
  readonly notes: readonly SiteNote[];
  /** True when the tree has no catalog after the commit: it had none, and nothing was listed, so nothing was written. */
  readonly empty: boolean;
}

/** How {@link commitVersions} runs. */
export interface CommitOptions {
  /**
   * Absolute site URL for the links in pages, feed and DCAT, recorded in the
   * catalog. Without it the catalog's recorded one is kept, and where none was
   * ever recorded the links use `DEFAULT_BASE_URL`.
   */
  readonly baseUrl?: string | undefined;
  /** Stages a dataset again when its base is no longer the head; without it, such a run fails. */
  readonly restage?: Restage | undefined;
  /**
   * Which listed files to read back after the commit: `'all'` (every version:
   * the run's exit status then says whether the whole tree verifies) or
   * `'new'` (the versions this run listed).
   * @default 'all'
   */
  readonly check?: 'all' | 'new';
  /**
   * Checks the catalog as the commit would write it, listing the datasets in `listing`: the staged
   * datasets that must stay unlisted, and why (a foreign key between datasets that would no longer hold).
   * Asked again, without them, until it refuses none; on every attempt, against the catalog read then,
   * so that what another publisher listed meanwhile is checked too.
   * @default - nothing is checked
   */
  readonly references?: (
    after: Catalog,
    listing: ReadonlySet<string>,
  ) => Promise<readonly { readonly id: string; readonly message: string; readonly code: BetweenDatasets }[]>;
}

/**
 * A file the catalog lists is not a file of the tree that the commit can leave as it is: on a directory tree,
 * a symbolic link to a file the commit writes again (a version's CSV linked to latest/'s), out of the tree or
 * to nothing, a folder, a pipe or a socket. Found before the catalog is written, so nothing is listed.
 */
export class ListedFileError extends OpenDataError {
  override readonly name = 'ListedFileError';
  readonly code = 'listed-file';
}

/** How many of the listed files in the way a {@link ListedFileError} names (the rest are counted). */
const LISTED_PROBLEMS_SHOWN = 10;

/**
 * Looks, without reading them, at every file the catalog lists, where the store can say what stands in a
 * file's place ({@link ObjectStore.absenceOf}): bringing `latest/` up to date would otherwise change a version's
 * file linked to it, and a file that cannot be read back would be found only after the commit.
 */
async function assertListedFilesInPlace(store: ObjectStore, catalog: Catalog | undefined): Promise<void> {
  const absenceOf = store.absenceOf?.bind(store);
  if (absenceOf === undefined || catalog === undefined) return;
  const keys = catalog.datasets.flatMap((dataset) =>
    dataset.versions.flatMap((version) => version.distributions.map((file) => file.path)),
  );
  const found = await mapConcurrent(keys, STORE_CONCURRENCY, async (key) => {
    const there = await absenceOf(key);
    return there === undefined ? undefined : `${key} (${there})`;
  });
  const problems = found.filter((problem): problem is string => problem !== undefined);
  if (problems.length === 0) return;
  const more =
    problems.length > LISTED_PROBLEMS_SHOWN ? `; and ${problems.length - LISTED_PROBLEMS_SHOWN} more` : '';
  throw new ListedFileError(
    `${problems.length === 1 ? 'a file' : `${problems.length} files`} the catalog lists ${problems.length === 1 ? 'is' : 'are'} not in place: ${problems.slice(0, LISTED_PROBLEMS_SHOWN).join('; ')}${more}. Nothing was listed: a version's file must never change, and writing latest/ would have changed or hidden ${problems.length === 1 ? 'it' : 'them'}; put each file itself there (from a backup, or the bucket's version history on S3; a link only to another version's identical file), then run verify and publish again`,
  );
}

/**
 * The tree holds files that only a listed version leaves (a dataset's page or `latest/` files, a version's
 * citations) for a dataset or version the catalog does not list: the catalog, or an entry of it, was lost
 * (deleted, edited, or restored from an older copy).
 */
export class LostCatalogEntryError extends OpenDataError {
  override readonly name = 'LostCatalogEntryError';
  readonly code = 'lost-catalog-entry';
}

/** How many of the files in the way a {@link LostCatalogEntryError} of the commit names. */
const LOST_SHOWN = 3;

/**
 * Throws a {@link LostCatalogEntryError} where the tree holds, for a dataset the catalog does not list,
 * its page or `latest/` files, or, for a version it does not list, its citations: the derived files are
 * written only after a commit listed the version, so its entry was lost, and this commit would drop
 * the version from the pages, the feed and `latest/`. Version folders alone are no sign (debris of a
 * failed attempt leaves them). Looked at once a run, before anything is written.
 */
async function assertNothingLost(store: ObjectStore, catalog: Catalog | undefined): Promise<void> {
  const keys: string[] = [];
  for await (const key of store.list('datasets/')) keys.push(key);
  let lost = keysOfUnlistedVersions(keys, catalog);
  // Another publisher may have listed a version, and written its files, since `catalog` was read: the
  // catalog read again must not list them either.
  if (lost.length > 0) {
    catalog = (await readCatalog(store)).catalog;
    lost = keysOfUnlistedVersions(lost, catalog);
  }
  if (lost.length === 0) return;
  const shown = lost.slice(0, LOST_SHOWN).join(', ');
  const more = lost.length > LOST_SHOWN ? ` and ${lost.length - LOST_SHOWN} more` : '';
  throw new LostCatalogEntryError(
    `the tree holds ${shown}${more}, which only a listed version leaves, but ${catalog === undefined ? 'there is no catalog.json' : 'catalog.json lists no such dataset or version'}: the catalog, or an entry of it, was lost (deleted, edited, or restored from an older copy), and this run would drop published versions from the pages, the feed and latest/, so nothing was written. Restore the newest catalog.json from a copy (a backup, or the bucket's version history on S3), then run verify and publish again`,
  );
}

/** How many times a commit re-reads the catalog and tries again after losing a race. */
export const CATALOG_COMMIT_ATTEMPTS = 20;

/**
 * Lists staged versions in the catalog, last of all the writes, keeping every
 * history linear; then brings the derived files up to date and reads back what
 * the catalog lists. Runs even when nothing was staged: it is also the repair.
 */
export async function commitVersions(
  store: ObjectStore,
  site: SiteMeta,
  staged: readonly StagedVersion[],
  now: Date,
  options: CommitOptions = {},
): Promise<CommitOutcome> {
  let pending = [...staged];
  const rebased = new Set<string>();
  for (let attempt = 1; attempt <= CATALOG_COMMIT_ATTEMPTS; attempt++) {
    const { catalog: current, etag } = await readCatalog(store);
    if (attempt === 1) {
      await assertNothingLost(store, current);
      await assertListedFilesInPlace(store, current);
    }
    const accepted: StagedVersion[] = [];
    const results: CommitResult[] = [];
    // Every dataset of this attempt, as staged now (again, where it was re-based): what a retry starts
    // from, so that one found unchanged or refused is decided again, and said, rather than forgotten.
    const tried: StagedVersion[] = [];
    for (const entry of pending) {
      let candidate: StagedVersion | undefined = entry;
      const head = headOf(current, entry.id);
      if (head?.version !== entry.version.previousVersion) {
        if (head !== undefined && head.contentHash === entry.version.contentHash) candidate = undefined;
        else if (options.restage === undefined)
          throw new CommitContentionError(
            `dataset "${entry.id}" was staged on version ${entry.version.previousVersion ?? '(none)'} but the catalog's head is now ${head?.version ?? '(none)'}, and this run cannot stage it again`,
          );
        else {
          const again = await options.restage(entry.id, current);
          rebased.add(entry.id);
          candidate = again.status === 'staged' ? again.staged : undefined;
        }
      }
      tried.push(candidate ?? entry);
      if (candidate === undefined) {
        results.push({
          status: 'unchanged',
          id: entry.id,
          version: headOf(current, entry.id)?.version ?? '',
        });
        continue;
      }
      accepted.push(candidate);
      results.push({
        status: 'listed',
        id: candidate.id,
        version: candidate.version,
        rebased: rebased.has(candidate.id),
      });
    }
    let appended = appendVersions(current, site, accepted, now.toISOString(), options.baseUrl);
    // A dataset whose listing would break a reference stays unlisted; the rest is checked again without it.
    while (options.references !== undefined && accepted.length > 0) {
      const listing = new Set(accepted.map((entry) => entry.id));
      const refused = (await options.references(appended.catalog, listing)).filter(({ id }) =>
        listing.has(id),
      );
      if (refused.length === 0) break;
      for (const { id, message, code } of refused) {
        const at = accepted.findIndex((entry) => entry.id === id);
        const [entry] = at === -1 ? [] : accepted.splice(at, 1);
        const result = results.findIndex((each) => each.id === id);
        if (entry !== undefined && result !== -1)
          results.splice(result, 1, { status: 'refused', id, version: entry.version.version, message, code });
      }
      appended = appendVersions(current, site, accepted, now.toISOString(), options.baseUrl);
    }
    const { catalog, changed } = appended;
    // A tree with no catalog yet and nothing to list in one (every dataset of a first run was rejected, or there
    // were none): nothing is written, so a run that published nothing leaves no empty site behind.
    if (current === undefined && accepted.length === 0)
      return {
        catalog,
        catalogWritten: false,
        results,
        derivedFilesWritten: [],
        problems: [],
        notes: [],
        empty: true,
      };
    if (changed) {
      const body = new TextEncoder().encode(`${JSON.stringify(catalog, null, 2)}\n`);
      const write = await store.putIfMatch(CATALOG_KEY, body, objectMetaFor(CATALOG_KEY), etag);
      if (write.status === 'conflict') {
        pending = tried;
        continue;
      }
    }
    // From here on the catalog lists what it lists: a failure says so, not that the versions are unlisted.
    const listed = accepted.map((entry) => versionFolder(entry.id, entry.version.version));
    const derived = await afterCommit(listed, { results, catalog }, () =>
      syncDerivedFiles(store, catalog, DEFAULT_BASE_URL),
    );
    const newKeys = new Set(
      accepted.flatMap((entry) => entry.version.distributions.map((file) => file.path)),
    );
    const toCheck = catalog.datasets.flatMap((dataset) =>
      dataset.versions.flatMap((version) =>
        version.distributions.filter((file) => (options.check === 'new' ? newKeys.has(file.path) : true)),
      ),
    );
    const listedProblems = await afterCommit(listed, { results, catalog }, () =>
      verifyDistributions(store, toCheck),
    );
    // A listed file that is wrong is reported once, not again as the latest/ mirror it cannot feed.
    const problems = [
      ...listedProblems,
      ...derived.problems.filter((problem) => !listedProblems.some((known) => known.path === problem.path)),
    ];
    return {
      catalog: derived.catalog,
      catalogWritten: changed,
      results,
      derivedFilesWritten: derived.written,
      problems,
      notes: derived.notes,
      previousBaseUrl: recordedBaseUrl(current),
      empty: false,
    };
  }
  throw new CommitContentionError(
    `${CATALOG_KEY} kept changing under this run: gave up after ${CATALOG_COMMIT_ATTEMPTS} attempts; the versions it staged are not listed, and the next run adopts them or skips their numbers`,
  );
}

/**
 * A commit failed after the catalog was written (or found current): bringing `latest/`, the pages, feed and
 * DCAT catalog up to date, or reading the listed files back. The versions it names are listed, and stay so;
 * the message says what failed and that the next run finishes the rest.
 */
export class DerivedFilesError extends OpenDataError {
  override readonly name = 'DerivedFilesError';
  readonly code = 'derived-files';
  constructor(
    reason: string,
    /** The version folders this commit listed in the catalog (none when it listed nothing new). */
    readonly listed: readonly string[],
    /** What the commit did for each staged dataset, and the catalog it wrote: what a run's report says. */
    readonly commit: { readonly results: readonly CommitResult[]; readonly catalog: Catalog },
    options?: { cause?: unknown },
  ) {
    const versions =
      listed.length === 0
        ? ''
        : ` The catalog lists this run's new versions (${listed.join(', ')}): readers see them.`;
    super(
      `${reason}.${versions} latest/, the pages, feed and DCAT catalog were not all brought up to date: once that is put right, the next run finishes them`,
      options,
    );
  }
}

/**
 * Runs a step that follows the catalog's commit. A failure becomes a {@link DerivedFilesError} naming what the
 * catalog lists; a published file the site is drawn from that is missing or altered keeps its own error, which
 * says how to restore it, and is told that the catalog lists the run's versions.
 */
async function afterCommit<T>(
  listed: readonly string[],
  commit: DerivedFilesError['commit'],
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof SiteSourceError)
      throw listed.length === 0
        ? error
        : // The same problem said once more, now knowing the catalog lists the run's versions; its own cause
          // carried on (the first error's message would be said twice).
          new SiteSourceError(error.problem, error.key, { cause: error.cause, afterCommit: true });
    throw new DerivedFilesError(messageOf(error), listed, commit, { cause: error });
  }
}

/** How many times the derived files are brought up to date when the head keeps moving meanwhile. */
const DERIVE_ROUNDS = 5;

/**
 * Makes `latest/` of every dataset equal its newest listed version, and the
 * pages, feed and DCAT catalog equal what the catalog renders to, writing only
 * what is missing or differs. Reads the catalog again afterwards: if another
 * publisher moved a head meanwhile, its `latest/` may have been overwritten by
 * this run's older files, so the round is repeated on the new catalog.
 * Absolute links use the catalog's recorded base URL, or `fallbackBaseUrl`
 * where it records none.
 */
export async function syncDerivedFiles(
  store: ObjectStore,
  catalog: Catalog,
  fallbackBaseUrl: string,
): Promise<{
  catalog: Catalog;
  /** The keys written, in the order they were (a key written in two rounds, once). */
  written: readonly string[];
  problems: readonly VerifyProblem[];
  notes: readonly SiteNote[];
}> {
  const written = new Set<string>();
  let current = catalog;
  for (let round = 1; ; round++) {
    const problems: VerifyProblem[] = [];
    const mirrors = current.datasets.flatMap((dataset) =>
      (headOf(current, dataset.id)?.distributions ?? []).map((file) => ({ id: dataset.id, file })),
    );
    // The mirrors and the pages are brought up to date side by side: the pages are drawn from the listed
    // versions' files, never from latest/, and the mirrors' copying and reading back leave the thread idle.
    // Both are settled before anything is reported, so that no write goes on after the run has failed.
    const [mirrored, drawn] = await Promise.allSettled([
      mapConcurrent(mirrors, STORE_CONCURRENCY, ({ id, file }) => syncLatestFile(store, id, file)),
      // The catalog's recorded base URL wins: another publisher may have recorded a new one meanwhile.
      publishSiteFiles(store, current, current.baseUrl ?? fallbackBaseUrl),
    ]);
    if (mirrored.status === 'rejected') throw mirrored.reason;
    if (drawn.status === 'rejected') throw drawn.reason;
    mirrored.value.forEach((outcome, index) => {
      const mirror = mirrors[index];
      if (outcome === 'written' && mirror !== undefined)
        written.add(latestFileKey(mirror.id, fileNameOf(mirror.file.path)));
      else if (outcome !== 'written' && outcome !== 'same') problems.push(outcome);
    });
    const site = drawn.value;
    for (const key of site.written) written.add(key);
    const { catalog: after } = await readCatalog(store);
    if (after === undefined || sameHeads(after, current) || round >= DERIVE_ROUNDS)
      return { catalog: current, written: [...written], problems, notes: site.notes };
    current = after;
  }
}

/** Brings one `latest/` file in line with the listed version's file, copying it from there when it differs. */
async function syncLatestFile(
  store: ObjectStore,
  id: string,
  file: Distribution,
): Promise<'same' | 'written' | VerifyProblem> {
  const mirror = latestFileKey(id, fileNameOf(file.path));
  const existing = await store.open(mirror);
  if (existing !== undefined) {
    const digest = await digestStream(existing);
    if (digest.bytes === file.bytes && digest.sha256 === file.sha256) return 'same';
  }
  const source = file.path;
  if (store.copy !== undefined) {
    const copied = await store.copy(source, mirror, objectMetaFor(mirror));
    if (copied === 'missing') return missingSource(source);
    if (copied === 'copied') return 'written';
  }
  if (!(await objectExists(store, source))) return missingSource(source);
  const body = {
    bytes: file.bytes,
    sha256: file.sha256,
    // The store checks these bytes against the catalog's size and SHA-256 as it writes them.
    async *open() {
      const chunks = await store.open(source);
      if (chunks === undefined)
        throw new ObjectStoreError(`${source} disappeared while being copied`, source);
      yield* chunks;
    },
  };
  try {
    await store.put(mirror, body, objectMetaFor(mirror));
  } catch (error) {
    if (!(error instanceof ObjectStoreError)) throw error;
    return {
      path: source,
      message: `does not match the catalog, so latest/ cannot mirror it (${error.message})`,
    };
  }
  return 'written';
}

function missingSource(source: string): VerifyProblem {
  return { path: source, message: 'is listed in the catalog but missing, so latest/ cannot mirror it' };
}

function sameHeads(a: Catalog, b: Catalog): boolean {
  const heads = (catalog: Catalog) =>
    catalog.datasets.map((dataset) => `${dataset.id}@${dataset.latest}`).join(' ');
  return heads(a) === heads(b) && a.modified === b.modified;
}
