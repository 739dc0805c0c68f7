import { createHash } from 'node:crypto';
import type { Distribution } from './catalog.js';
import { mapConcurrent, STORE_CONCURRENCY } from './concurrency.js';
import { absenceNote, type ContentDigest, type DigestRead, type ObjectStore } from './object-store.js';
import { relativeKeyProblem } from './relative-key.js';
import { messageOf } from './errors.js';

/** A published file that does not match what the catalog says about it. */
export interface VerifyProblem {
  readonly path: string;
  readonly message: string;
}

/** Options of {@link verifyDistributions} and {@link checkFile}. */
export interface FileCheckOptions {
  /**
   * Stops reading when it aborts; the file being read is then reported with the
   * signal's reason (the CLI's total deadline).
   * @default - no deadline
   */
  readonly signal?: AbortSignal;
}

/** What a file is expected to hold: its catalog entry's `bytes` and `sha256`. */
export type ExpectedContent = ContentDigest;

/**
 * Reads one file as a stream and compares it with what is expected; returns
 * the problem messages (empty when it matches). The file is never held: each
 * chunk is hashed and dropped, and reading stops once it has given more bytes
 * than expected (one more chunk is read only to say how many it has when that
 * chunk ends it), so neither a huge nor an endless body costs memory or time.
 * A key that is not a plain site-relative path is never read at all. A file
 * the store knows unchanged since it wrote or read it ({@link ObjectStore.knownContent})
 * is compared as the store knows it, without being read again; a store that
 * reads files itself ({@link ObjectStore.digestOf}) is asked to, so that it
 * knows them next time.
 */
export async function checkFile(
  reader: Pick<ObjectStore, 'open' | 'knownContent' | 'absenceOf' | 'digestOf'>,
  key: string,
  expected: ExpectedContent,
  options: FileCheckOptions = {},
): Promise<string[]> {
  const unsafe = relativeKeyProblem(key);
  if (unsafe !== undefined) return [`${unsafe}: not read`];
  if (isAborted(options.signal)) return [abortMessage(options.signal)];
  try {
    const known = await reader.knownContent?.(key);
    if (known !== undefined) return mismatches(known, expected);
    const read =
      reader.digestOf === undefined
        ? await readDigest(reader, key, expected.bytes, options.signal)
        : await reader.digestOf(key, expected.bytes, options.signal);
    if (read === undefined) return [`is listed in the catalog but missing${await absenceNote(reader, key)}`];
    if (read === 'stopped') return [abortMessage(options.signal)];
    if (!('over' in read)) return mismatches(read, expected);
    return read.over === 'exactly'
      ? [`has ${read.bytes} bytes; the catalog says ${expected.bytes}`]
      : [`has more than ${read.bytes} bytes; the catalog says ${expected.bytes} (stopped reading there)`];
  } catch (error) {
    if (isAborted(options.signal)) return [abortMessage(options.signal)];
    return [`could not be read: ${messageOf(error)}`];
  }
}

/**
 * What {@link ObjectStore.digestOf} gives, found through {@link ObjectStore.open} by a store without it: the
 * bytes and their hash, or, past `maxBytes`, only how many bytes there are (one more chunk is read only to
 * tell whether that one ends the file). `'stopped'` when the signal aborted the reading.
 */
async function readDigest(
  reader: Pick<ObjectStore, 'open'>,
  key: string,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<DigestRead | 'stopped' | undefined> {
  const chunks = await reader.open(key);
  if (chunks === undefined) return undefined;
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    for (;;) {
      if (isAborted(signal)) return 'stopped';
      const next = await iterator.next();
      if (next.done === true) break;
      bytes += next.value.byteLength;
      if (bytes > maxBytes)
        return { bytes, over: (await iterator.next()).done === true ? 'exactly' : 'at least' };
      hash.update(next.value);
    }
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    // Ends the underlying stream (a socket, a file handle) when reading stopped early.
    await iterator.return?.().catch(() => undefined);
  }
}

/**
 * How a file's size or SHA-256 differs from what the catalog says (nothing when they are the same): one
 * problem a file, its size where that differs (its SHA-256 then differs too, and saying so twice made a
 * count of problems that was not a count of files).
 */
function mismatches(actual: ContentDigest, expected: ExpectedContent): string[] {
  if (actual.bytes !== expected.bytes)
    return [`has ${actual.bytes} bytes; the catalog says ${expected.bytes}`];
  if (actual.sha256 !== expected.sha256)
    return [`has sha256 ${actual.sha256}; the catalog says ${expected.sha256}`];
  return [];
}

/**
 * Checks that each file exists with the stated byte count and SHA-256; one
 * problem per file that differs. Files are streamed and capped at their stated size
 * (see {@link checkFile}), and a path that is not a plain site-relative key is
 * a problem, never read.
 */
export async function verifyDistributions(
  reader: Pick<ObjectStore, 'open' | 'knownContent' | 'absenceOf' | 'digestOf'>,
  distributions: readonly Distribution[],
  options: FileCheckOptions = {},
): Promise<VerifyProblem[]> {
  const checked = await mapConcurrent(distributions, STORE_CONCURRENCY, async (file) =>
    (await checkFile(reader, file.path, file, options)).map((message) => ({ path: file.path, message })),
  );
  return checked.flat();
}

/** The reason an aborted signal carries, as one message. */
export function abortMessage(signal: AbortSignal | undefined): string {
  return `stopped: ${messageOf(signal?.reason)}`;
}

/** True once the signal has aborted (a function, so that TypeScript does not narrow it to a constant). */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
