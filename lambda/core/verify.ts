import { checkCatalogShape } from './catalog-shape.js';
import type { Catalog } from './catalog.js';
import {
  abortMessage,
  checkFile,
  isAborted,
  verifyDistributions,
  type FileCheckOptions,
  type VerifyProblem,
} from './distribution-check.js';
import { messageOf, OpenDataError } from './errors.js';
import { parseJsonDocument } from './json-document.js';
import type { ObjectStore } from './object-store.js';
import { relativeKeyProblem } from './relative-key.js';
import { CATALOG_KEY, keysOfUnlistedVersions, latestFileKey, versionFolder } from './site-keys.js';
import { decodeUtf8Document, InvalidUtf8Error, notUtf8Message } from './utf8.js';

/** The catalog's key at the site root. */

/** The default for {@link VerifyOptions.maxCatalogBytes}: 64 MiB, far above any real catalog. */
export const DEFAULT_MAX_CATALOG_BYTES = 64 * 1024 * 1024;

/** The CLI's default total deadline for one `verify` run: 10 minutes. */
export const DEFAULT_VERIFY_DEADLINE_MS = 10 * 60 * 1000;

/** The reason a verify run stopped: its total deadline passed (abort the run's signal with it). */
export class VerifyDeadlineError extends OpenDataError {
  override readonly name = 'VerifyDeadlineError';
  readonly code = 'verify-deadline';
  constructor(readonly deadlineMs: number) {
    super(`the total deadline of ${deadlineMs} ms for verify passed before every file was checked`);
  }
}

/** Options of {@link verifyPublishedTree}. */
export interface VerifyOptions extends FileCheckOptions {
  /**
   * The largest `catalog.json` read; a longer one is a problem, read no further.
   * @default DEFAULT_MAX_CATALOG_BYTES
   */
  readonly maxCatalogBytes?: number;
}

/** What {@link verifyPublishedTree} found. */
export interface VerifyResult {
  /** Files checked (every distribution of every version, and the `latest/` mirrors). */
  readonly checked: number;
  readonly problems: readonly VerifyProblem[];
}

/**
 * Checks a published tree against its catalog: every distribution of every
 * version must exist with the stated byte count and SHA-256, and each
 * dataset's `latest/` files must equal its latest version's.
 *
 * The tree may be anyone's (a mirror, a URL typed by hand), so nothing read is
 * trusted: the catalog is read up to {@link VerifyOptions.maxCatalogBytes},
 * must match `schemas/catalog.schema.json` and must list each dataset and each
 * of its versions once, its `latest` the highest (`checkCatalogShape`); every
 * path must be a plain site-relative key inside its own version folder (never
 * a URL, never `..`), and the optional `url` of a distribution is never
 * followed; every file, `latest/` mirrors included, is streamed and read no
 * further than its stated size. Every failure, of the reader included, is a
 * problem: this never throws.
 */
export async function verifyPublishedTree(
  reader: Pick<ObjectStore, 'open'> & Partial<Pick<ObjectStore, 'list'>>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const read = await readCatalog(reader, options);
  if (!read.ok) return { checked: 0, problems: [{ path: CATALOG_KEY, message: read.message }] };

  const problems: VerifyProblem[] = [];
  let checked = 0;
  // Once the deadline passes, the file being read reports it and nothing more is read.
  const stopped = (): boolean =>
    isAborted(options.signal) && problems.at(-1)?.message === abortMessage(options.signal);
  const stopBefore = (key: string): boolean => {
    if (!isAborted(options.signal)) return false;
    problems.push({ path: key, message: abortMessage(options.signal) });
    return true;
  };
  for (const dataset of read.catalog.datasets) {
    for (const version of dataset.versions) {
      const folder = versionFolder(dataset.id, version.version);
      for (const file of version.distributions) {
        const name = file.path.slice(folder.length);
        const unsafe = relativeKeyProblem(file.path);
        if (unsafe !== undefined || !file.path.startsWith(folder) || name.includes('/')) {
          // Also what keeps the latest/ check honest: a path outside its folder would "mirror" itself.
          problems.push({
            path: file.path,
            message: `${unsafe ?? `is listed for ${dataset.id} ${version.version} but is not a file of ${folder}`}: not read`,
          });
          continue;
        }
        if (stopBefore(file.path)) return { checked, problems };
        checked++;
        problems.push(...(await verifyDistributions(reader, [file], options)));
        if (stopped()) return { checked, problems };
        if (version.version !== dataset.latest) continue;
        const mirror = latestFileKey(dataset.id, name);
        if (stopBefore(mirror)) return { checked, problems };
        checked++;
        for (const message of await checkFile(reader, mirror, file, options)) {
          problems.push({ path: mirror, message: mirrorMessage(message, file.path) });
        }
        if (stopped()) return { checked, problems };
      }
    }
  }
  problems.push(...(await unlistedVersionsIn(reader, read.catalog, options)));
  return { checked, problems };
}

/**
 * Where the reader can list the tree (a directory, not a URL): each file that only a listed version leaves
 * (a dataset's page or `latest/` files, a version's citations) under a dataset or version the catalog does
 * not list, a sign that the catalog, or an entry of it, was lost (`keysOfUnlistedVersions`).
 */
async function unlistedVersionsIn(
  reader: Partial<Pick<ObjectStore, 'list'>>,
  catalog: Catalog,
  options: FileCheckOptions,
): Promise<VerifyProblem[]> {
  if (reader.list === undefined || isAborted(options.signal)) return [];
  const keys: string[] = [];
  try {
    for await (const key of reader.list('datasets/')) {
      if (isAborted(options.signal)) return [{ path: 'datasets/', message: abortMessage(options.signal) }];
      keys.push(key);
    }
  } catch (error) {
    return [{ path: 'datasets/', message: `could not be listed: ${messageOf(error)}` }];
  }
  return keysOfUnlistedVersions(keys, catalog).map((key) => ({
    path: key,
    message:
      'is a file only a listed version leaves, but the catalog lists no such dataset or version: the catalog, or an entry of it, was lost (deleted, edited, or restored from an older copy); restore the newest catalog.json from a copy',
  }));
}

type CatalogRead =
  { readonly ok: true; readonly catalog: Catalog } | { readonly ok: false; readonly message: string };

/** Reads `catalog.json` as a stream, up to the size limit, then parses and checks its shape. */
async function readCatalog(reader: Pick<ObjectStore, 'open'>, options: VerifyOptions): Promise<CatalogRead> {
  const limit = options.maxCatalogBytes ?? DEFAULT_MAX_CATALOG_BYTES;
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let iterator: AsyncIterator<Uint8Array> | undefined;
  try {
    if (isAborted(options.signal)) return { ok: false, message: abortMessage(options.signal) };
    const body = await reader.open(CATALOG_KEY);
    if (body === undefined) return { ok: false, message: 'is missing: nothing has been published here' };
    iterator = body[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      bytes += next.value.byteLength;
      if (bytes > limit)
        return {
          ok: false,
          message: `is larger than the ${limit}-byte limit for a catalog: read no further`,
        };
      chunks.push(next.value);
    }
  } catch (error) {
    if (isAborted(options.signal)) return { ok: false, message: abortMessage(options.signal) };
    return {
      ok: false,
      message: `could not be read: ${messageOf(error)}`,
    };
  } finally {
    await iterator?.return?.().catch(() => undefined);
  }

  let text: string;
  try {
    text = decodeUtf8Document(Buffer.concat(chunks));
  } catch (error) {
    if (!(error instanceof InvalidUtf8Error)) throw error;
    return { ok: false, message: `at line ${error.line}, column ${error.column}: ${notUtf8Message(error)}` };
  }
  const parsed = parseJsonDocument(text, 'catalog.json', 'schema-error');
  if (!parsed.ok) {
    const [issue] = parsed.issues;
    return {
      ok: false,
      message: `at line ${issue?.line}, column ${issue?.column}${issue?.field === undefined ? '' : ` (${issue.field})`}: ${issue?.message}; restore it from a copy (a backup, or the bucket's version history on S3)`,
    };
  }
  return checkCatalogShape(parsed.value);
}

/** A mirror's problem in terms of the file it mirrors, keeping the words users grep for. */
function mirrorMessage(message: string, original: string): string {
  if (message === 'is listed in the catalog but missing') return `is missing (should mirror ${original})`;
  if (message.startsWith('stopped: ') || message.startsWith('could not be read')) return message;
  return `differs from ${original}, the latest version: ${message}`;
}

export { checkFile, verifyDistributions, type VerifyProblem };
