import { OpenDataError } from '../core/errors.js';
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, type BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { objectMetaFor } from '../core/content-policy.js';
import type {
  ContentDigest,
  DigestRead,
  GetOptions,
  ObjectInfo,
  ObjectMeta,
  ObjectStore,
  PutBody,
  StoredObject,
} from '../core/object-store.js';
import {
  assertReplaceable,
  bodyMismatch,
  bodySha256,
  isStreamedBody,
  NotAFileError,
  ObjectStoreError,
  ObjectTooLargeError,
  verifiedChunks,
  type StreamedBody,
} from '../core/object-store.js';
import { relativeKeyProblem } from '../core/relative-key.js';
import { mayHoldVersions, versionFileMayLeadTo } from '../core/site-keys.js';
import { readCheckedFiles, writeCheckedFiles, type CheckedFile } from './checked-files.js';
import { errorCode, makeDirectory } from './file-system.js';

/** A key (or list prefix) that cannot be mapped safely to a file under the store's root. */
export class InvalidObjectKeyError extends OpenDataError {
  override readonly name = 'InvalidObjectKeyError';
  readonly code = 'invalid-key';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
  }
}

/** Options mainly useful to tests; the defaults suit the CLI. */
export interface LocalDirectoryStoreOptions {
  /**
   * How long `putIfMatch`/`put` wait for a live writer's lock before giving up (ms).
   * @default 60000
   */
  readonly lockTimeoutMs?: number;
  /**
   * How long a lock stays valid without its owner renewing it (ms). An owner
   * renews it every third of this while it works; a lock left by a process that
   * died is taken over once this has passed, or at once when its owner is a
   * process of this machine that no longer exists.
   * @default 5000
   */
  readonly lockLeaseMs?: number;
  /**
   * A file (outside the tree) in which the store keeps, from one run to the next, what it found each file
   * of the tree to hold and the file's identity then: what it wrote and read back, and what it read in
   * full ({@link LocalDirectoryStore.digestOf}). It is read when first needed and written by
   * {@link LocalDirectoryStore.saveCheckedFiles}; a file whose identity is still the same is then known
   * without being read again ({@link LocalDirectoryStore.knownContent}), in this run and in later ones.
   * @default - nothing is kept beyond the store's life
   */
  readonly checkedRecord?: string;
}

/**
 * Names of the store's own scratch files, always dot-files next to their target:
 * `.<name>.tmp-<pid>-<host tag>-<16 hex>` (a body being written, a lock's claim; `.<name>.tmp-<16 hex>`
 * from versions before the writer was named) and `.<name>.lock` (a writer's lock).
 * `list` never yields them and keys may not use such names.
 */
const INTERNAL_NAME = /^\..+\.(?:tmp-(?:\d+-[0-9a-f]{8}-)?[0-9a-f]{16}|lock)$/;

/** A temporary file named with its writer (see {@link temporaryFile}): the pid and the host tag. */
const OWNED_TEMPORARY = /^\..+\.tmp-(\d+)-([0-9a-f]{8})-[0-9a-f]{16}$/;
/** A temporary file named before writers were named in them: judged by its age alone. */
const UNOWNED_TEMPORARY = /^\..+\.tmp-[0-9a-f]{16}$/;
/** An unnamed writer's temporary file untouched for this long is taken to be left by a run that died. */
const UNOWNED_TEMPORARY_AGE_MS = 24 * 60 * 60 * 1000;

/** This machine, as temporary files name it: the start of its host name's SHA-256. */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/**
 * A new temporary file's path next to `file`, named with this process (its pid and {@link HOST_TAG}), so
 * that a later run can tell one left by a run that died (killed while writing) from one being written.
 */
function temporaryFile(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.tmp-${process.pid}-${HOST_TAG}-${randomBytes(8).toString('hex')}`,
  );
}

const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
const DEFAULT_LOCK_LEASE_MS = 5_000;

/**
 * At most this many files are remembered for {@link LocalDirectoryStore.knownContent} (the oldest is
 * forgotten first), so that a long-lived store (a warm Lambda's, a test's) does not grow without end.
 */
const KNOWN_FILES = 1 << 16;

/** What the store read a file to hold, and the file's identity then (see {@link identityOf}). */
type KnownFile = CheckedFile;

/** A temporary file written for a body, and, when its bytes were read back and found right, its identity then. */
interface WrittenTemp {
  readonly temp: string;
  /** The file's identity, the same before and after the read that found its bytes as the body declares. */
  readonly checked?: BigIntStats;
}

/**
 * An {@link ObjectStore} over a local directory: key `a/b.csv` is the file `<root>/a/b.csv`.
 *
 * - No per-object metadata is persisted: `get`/`head` report `objectMetaFor(key)`, which is
 *   what every caller writes anyway (and what `serve` sends).
 * - ETags are strong and content-derived: `"<sha256 hex of the bytes>"`. A streamed body is
 *   written to its temporary file chunk by chunk, never held, and must hash to the SHA-256 it
 *   declares: one that does not is refused with an {@link ObjectStoreError} before anything is
 *   linked or renamed into place.
 * - `putIfAbsent` is atomic create-only (temp file + `link`, which fails if the target exists);
 *   `put` and `putIfMatch` replace atomically (temp file + `rename`) under a per-key lock file,
 *   so conditional writes are serialised between processes sharing the directory. A lock names
 *   its owner and is a lease: renewed while its owner works, taken over when its owner died
 *   (see {@link LocalDirectoryStoreOptions.lockLeaseMs}), so a crash never blocks later runs.
 */
export class LocalDirectoryStore implements ObjectStore {
  readonly root: string;
  readonly #lockTimeoutMs: number;
  readonly #lockLeaseMs: number;
  /** The folders {@link #sweepOnce} has looked at in this store's life. */
  readonly #swept = new Set<string>();
  /**
   * Files this store copied from a file-backed body and read back, or read in full, by path: what it found
   * them to hold (and, with a record, what earlier runs found).
   */
  readonly #known = new Map<string, KnownFile>();
  readonly #checkedRecord: string | undefined;
  /** The files of {@link #known} this store wrote, read or found unchanged: what its record keeps. */
  readonly #seen = new Set<string>();
  /** The record's entries, read into {@link #known} once, when first needed. */
  #recordRead: Promise<void> | undefined;
  #resolvedRoot: string | undefined;

  constructor(root: string, options: LocalDirectoryStoreOptions = {}) {
    this.root = path.resolve(root);
    this.#lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.#lockLeaseMs = options.lockLeaseMs ?? DEFAULT_LOCK_LEASE_MS;
    this.#checkedRecord = options.checkedRecord;
  }

  /** Reads the record of earlier runs into {@link #known}, once; what this run learnt already stays. */
  async #readRecord(): Promise<void> {
    if (this.#checkedRecord === undefined) return;
    const record = this.#checkedRecord;
    this.#recordRead ??= (async () => {
      const entries = await readCheckedFiles(record, await this.#realRoot());
      for (const [key, entry] of entries) {
        const file = this.#fileFor(key);
        if (!this.#known.has(file)) this.#learn(file, entry, { seen: false });
      }
    })();
    await this.#recordRead;
  }

  /**
   * Writes what the store knows of the tree's files to its record ({@link LocalDirectoryStoreOptions.checkedRecord}),
   * for later runs; nothing without one. A failure to write it is the caller's to report: the tree is not
   * touched, and a later run reads again what the record would have spared it.
   */
  async saveCheckedFiles(): Promise<void> {
    if (this.#checkedRecord === undefined) return;
    await this.#readRecord();
    const files = new Map<string, CheckedFile>();
    for (const [file, entry] of this.#known) {
      // An entry of an earlier run that this one never looked at is of a file no longer listed, or gone.
      if (!this.#seen.has(file)) continue;
      const key = path.relative(this.root, file).split(path.sep).join('/');
      if (relativeKeyProblem(key) === undefined) files.set(key, entry);
    }
    await writeCheckedFiles(this.#checkedRecord, await this.#realRoot(), files);
  }

  /**
   * Records what `file` holds (seen by this store, unless it comes from the record of an earlier run),
   * forgetting the file known longest once {@link KNOWN_FILES} are known.
   */
  #learn(file: string, entry: KnownFile, { seen = true }: { readonly seen?: boolean } = {}): void {
    this.#known.delete(file);
    this.#known.set(file, entry);
    if (seen) this.#seen.add(file);
    if (this.#known.size > KNOWN_FILES) {
      const oldest = this.#known.keys().next();
      if (oldest.done !== true) {
        this.#known.delete(oldest.value);
        this.#seen.delete(oldest.value);
      }
    }
  }

  /**
   * The tree's real path, which a key's file must resolve inside (see {@link openForReading}); the path as
   * given while the folder does not exist yet, and found again until it does.
   */
  async #realRoot(): Promise<string> {
    if (this.#resolvedRoot !== undefined) return this.#resolvedRoot;
    try {
      return (this.#resolvedRoot = await fs.realpath(this.root));
    } catch {
      return this.root;
    }
  }

  /** The tree's real path to read `key` within, once {@link #notThroughFolderLink} has let it be read. */
  async #readingRoot(key: string): Promise<string> {
    await this.#notThroughFolderLink(key);
    return this.#realRoot();
  }

  /**
   * Refuses to read `key` through a symbolic link where a folder of rewritable files goes (`latest` linked
   * to a version's folder): what is read there is no file of that folder, and the first write to it replaces
   * the link (see {@link #makeParent}), so it is read as missing, and written. A link where a folder that
   * holds versions goes is followed, as `serve` and `verify` follow it, while it stays inside the tree.
   */
  async #notThroughFolderLink(key: string): Promise<void> {
    const segments = key.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const folder = segments.slice(0, depth).join('/');
      if (mayHoldVersions(folder)) continue;
      const stats = await fs.lstat(path.join(this.root, ...segments.slice(0, depth))).catch(() => undefined);
      if (stats === undefined) return;
      if (stats.isSymbolicLink())
        throw Object.assign(new Error(`${folder} is a symbolic link where a folder of the tree goes`), {
          code: LINK_OUT,
        });
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<StoredObject | undefined> {
    const file = this.#fileFor(key);
    const { maxBytes } = options;
    let body: Buffer;
    let lastModified: Date;
    try {
      // One open file for both, so the time is that of the bytes read even if the file is replaced meanwhile.
      const handle = await openForReading(file, await this.#readingRoot(key), key);
      try {
        const stats = await handle.stat();
        lastModified = stats.mtime;
        if (maxBytes !== undefined && stats.size > maxBytes)
          throw new ObjectTooLargeError(key, stats.size, maxBytes);
        body = maxBytes === undefined ? await handle.readFile() : await readAtMost(handle, key, maxBytes);
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isMissing(error)) return undefined;
      if (error instanceof ObjectTooLargeError) throw error;
      throw storeError('read', key, error);
    }
    const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return { ...objectMetaFor(key), bytes: bytes.byteLength, etag: etagOf(bytes), lastModified, body: bytes };
  }

  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const file = this.#fileFor(key);
    try {
      // The stream owns the handle and closes it at the end, on error or when the reader stops early.
      const handle = await openForReading(file, await this.#readingRoot(key), key);
      return handle.createReadStream() as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError('read', key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.#fileFor(key);
    try {
      const { bytes, etag, lastModified } = await hashFile(file, await this.#readingRoot(key), key);
      return { ...objectMetaFor(key), bytes, etag, lastModified };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError('stat', key, error);
    }
  }

  /**
   * What {@link head} answers about presence, without hashing the file: the file is opened as `head`
   * opens it (so a file it could not read throws the same error), and a directory is absent, as `head`
   * finds it when reading fails with EISDIR.
   */
  async exists(key: string): Promise<boolean> {
    const file = this.#fileFor(key);
    try {
      const handle = await openForReading(file, await this.#readingRoot(key), key);
      try {
        return !(await handle.stat()).isDirectory();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isMissing(error)) return false;
      throw storeError('stat', key, error);
    }
  }

  /**
   * What a file this store wrote was found to hold when it read it back, while the file's identity
   * (device, inode, size, modification and change times, in nanoseconds) is still the one it had once
   * it was in place: any write to it since, a replacement, a `touch`, moves one of them. Only a copy of
   * a file-backed body is read back as it is written (see `copyChecked`), so only those are known; a
   * body written chunk by chunk is checked as it passes, not as it lands, and is read again. Between
   * that read and the file's being in place, a write moves the modification time (the change time moves
   * anyway, with the link or rename), and the file is not remembered.
   *
   * This guards against what happens to files by accident (an edit, a copy over them, a tool that
   * rewrites them), not against a process of the publisher's own user set on changing them unseen:
   * one that puts a file's times back to the nanosecond, or writes through a shared memory mapping to
   * a page it has already dirtied (the kernel then moves no time at all), gets past it, as it could
   * change the file after any read-back; where the kernel stamps a change with a coarse clock, a write
   * in the same tick goes unseen too (Linux since 6.13 stamps a file whose times were read with a newer
   * time). `opendata verify` reads every byte, and a store created later (a new run) knows nothing and
   * reads every file.
   */
  async knownContent(key: string): Promise<ContentDigest | undefined> {
    await this.#readRecord();
    const file = this.#fileFor(key);
    const known = this.#known.get(file);
    if (known === undefined) return undefined;
    // The file's identity as a read would open it: through no link that a read refuses.
    const identity = await (async () => {
      const handle = await openForReading(file, await this.#readingRoot(key), key);
      try {
        return identityOf(await handle.stat({ bigint: true }));
      } finally {
        await handle.close();
      }
    })().catch(() => undefined);
    if (identity === known.identity) {
      this.#seen.add(file);
      return known.content;
    }
    this.#known.delete(file);
    return undefined;
  }

  /**
   * The size and SHA-256 of the file at `key`, read in full through one handle (`undefined` where a read
   * finds no file), or its size alone when it holds more than `maxBytes`: unread, or read no further
   * than past them when it grew during the read. A file that did not
   * change during the read is then known by its identity ({@link knownContent}), and kept in the record
   * when the store keeps one.
   */
  async digestOf(key: string, maxBytes: number, signal?: AbortSignal): Promise<DigestRead | undefined> {
    const file = this.#fileFor(key);
    let read: Awaited<ReturnType<typeof hashFile>>;
    try {
      read = await hashFile(file, await this.#readingRoot(key), key, { maxBytes, signal });
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError('read', key, error);
    }
    if (read.over === true) return { bytes: read.bytes, over: read.grew === true ? 'at least' : 'exactly' };
    const content = { bytes: read.bytes, sha256: read.etag.slice(1, -1) };
    if (read.unchanged !== undefined) this.#learn(file, { identity: identityOf(read.unchanged), content });
    return content;
  }

  async absenceOf(key: string): Promise<string | undefined> {
    const file = this.#fileFor(key);
    const segments = key.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const folder = segments.slice(0, depth).join('/');
      const directory = path.join(this.root, ...segments.slice(0, depth));
      const stats = await fs.lstat(directory).catch(() => undefined);
      if (stats === undefined) return undefined;
      if (!stats.isSymbolicLink()) continue;
      const target = await fs.readlink(directory).catch(() => '?');
      const real = await fs.realpath(directory).catch(() => undefined);
      if (real !== undefined && isInside(real, await this.#realRoot()) && mayHoldVersions(folder)) continue;
      const leads =
        real === undefined
          ? 'leads to no folder'
          : isInside(real, await this.#realRoot())
            ? 'stands where a folder of files the commit writes again goes'
            : 'leads out of the tree';
      return `${folder} is a symbolic link to ${target}, which ${leads}: no file is read or served through it`;
    }
    const stats = await fs.lstat(file).catch(() => undefined);
    if (stats === undefined) return undefined;
    if (stats.isDirectory()) return 'a folder is there';
    const root = await this.#realRoot();
    const real = await fs.realpath(file).catch(() => undefined);
    // Where the link is: the file itself, or a folder on its way (inside the tree, where versions may be).
    const link = stats.isSymbolicLink()
      ? `a symbolic link to ${await fs.readlink(file).catch(() => '?')} is there, which`
      : 'the path to it goes through a symbolic link, and';
    if (real === undefined) return `${link} leads to no file: no file is read or served through it`;
    if (!isInside(real, root)) return `${link} leads out of the tree: no file is read or served through it`;
    const reached = treeKey(real, root);
    if (!versionFileMayLeadTo(key, reached))
      return `${link} leads to ${reached}: no version's file, so it may be written again, where a version's file never changes`;
    const kind = await fs.stat(real).then(kindOf, () => 'nothing');
    return kind === undefined
      ? undefined
      : `${stats.isSymbolicLink() ? `${link} leads to` : 'there is'} ${kind}, not a file`;
  }

  async putIfAbsent(key: string, body: PutBody, _meta: ObjectMeta): Promise<'created' | 'exists'> {
    const file = this.#fileFor(key);
    await this.#makeParent(key);
    return (await this.#createFrom(key, file, body)) ? 'created' : 'exists';
  }

  async putIfMatch(
    key: string,
    body: PutBody,
    _meta: ObjectMeta,
    etag: string | undefined,
  ): Promise<{ status: 'written'; etag: string } | { status: 'conflict' }> {
    assertReplaceable(key);
    const file = this.#fileFor(key);
    await this.#makeParent(key);
    return this.#withLock(key, file, async () => {
      let current: string | undefined;
      try {
        current = (await hashFile(file, await this.#readingRoot(key), key)).etag;
      } catch (error) {
        if (!isMissing(error)) throw storeError('stat', key, error);
      }
      if (current !== etag) return { status: 'conflict' };
      if (etag === undefined) {
        // Create-only even under the lock: `putIfAbsent` does not take it.
        if (!(await this.#createFrom(key, file, body))) return { status: 'conflict' };
      } else {
        await this.#replaceWith(key, file, body);
      }
      // A streamed body's declared SHA-256 is what `#writeTemp` checked the written bytes against.
      return { status: 'written', etag: `"${bodySha256(body)}"` };
    });
  }

  async put(key: string, body: PutBody, _meta: ObjectMeta): Promise<void> {
    assertReplaceable(key);
    const file = this.#fileFor(key);
    await this.#makeParent(key);
    // Under the lock so that it cannot slip between a `putIfMatch`'s check and its rename.
    await this.#withLock(key, file, () => this.#replaceWith(key, file, body));
  }

  /**
   * A copy made by the file system (`copyFile`, a copy-on-write clone where the
   * file system offers one), renamed over the target. Never a hard link: the
   * mirror must stay a file of its own, so that a hand edit of `latest/` can
   * never change a published version.
   */
  async copy(from: string, to: string, _meta: ObjectMeta): Promise<'copied' | 'missing' | 'unsupported'> {
    assertReplaceable(to);
    const source = this.#fileFor(from);
    const file = this.#fileFor(to);
    await this.#makeParent(to);
    return this.#withLock(to, file, async () => {
      const temp = temporaryFile(file);
      try {
        try {
          await fs.copyFile(source, temp, fsConstants.COPYFILE_EXCL | fsConstants.COPYFILE_FICLONE);
        } catch (error) {
          if (isMissing(error)) return 'missing';
          throw error;
        }
        await fs.rename(temp, file);
        this.#known.delete(file);
        return 'copied';
      } catch (error) {
        await removeQuietly(temp);
        throw storeError(`copy ${JSON.stringify(from)} to`, to, error);
      }
    });
  }

  async *list(prefix: string): AsyncIterable<string> {
    // Walk only the deepest directory the prefix names (`datasets/tr` ⇒ `datasets/`).
    const directory = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    if (directory !== '') this.#fileFor(directory.slice(0, -1), prefix);
    for await (const key of this.#walk(directory, prefix)) {
      if (key.startsWith(prefix)) yield key;
    }
  }

  async *#walk(directory: string, prefix: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await fs.readdir(path.join(this.root, ...directory.split('/')), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw storeError('list', prefix, error);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (INTERNAL_NAME.test(entry.name)) continue;
      const key = directory + entry.name;
      if (entry.isDirectory()) {
        // Skip subtrees that cannot contain a match.
        const subtree = `${key}/`;
        if (subtree.startsWith(prefix) || prefix.startsWith(subtree)) yield* this.#walk(subtree, prefix);
      } else if (entry.isFile()) {
        yield key;
      }
    }
  }

  /** Validates `key` and maps it to its file; throws before any file-system call. */
  #fileFor(key: string, reported: string = key): string {
    const reject = (reason: string): never => {
      throw new InvalidObjectKeyError(reported, reason);
    };
    if (key === '') reject('empty key');
    if (key.includes('\0')) reject('contains NUL');
    if (key.includes('\\')) reject('contains a backslash');
    if (key.startsWith('/') || path.isAbsolute(key)) reject('absolute path');
    for (const segment of key.split('/')) {
      if (segment === '') reject('empty path segment');
      if (segment === '.' || segment === '..') reject(`"${segment}" path segment`);
      if (INTERNAL_NAME.test(segment)) reject('name reserved for the store’s temporary and lock files');
    }
    const file = path.join(this.root, ...key.split('/'));
    // Belt and braces: the checks above already guarantee this.
    if (!file.startsWith(this.root + path.sep)) reject('escapes the store root');
    return file;
  }

  /**
   * Makes the folders down to `file`'s, each a real folder of the tree: a file is never written through a
   * symbolic link to a folder, which could lead into a version's folder (`latest` linked to `1.0.0`) or out
   * of the tree. A link where a folder of rewritable files goes (`latest/`, `chart-data/`, `cite/`) is
   * replaced by a folder, what it led to left alone; one where a folder that holds versions goes, or a file
   * where any folder goes, is an error naming it.
   */
  async #makeParent(key: string): Promise<void> {
    try {
      await makeDirectory(this.root);
    } catch (error) {
      throw storeError('create the parent directory of', key, error);
    }
    const segments = key.split('/').slice(0, -1);
    for (let depth = 1; depth <= segments.length; depth++) {
      const folder = segments.slice(0, depth).join('/');
      const directory = path.join(this.root, ...segments.slice(0, depth));
      try {
        await this.#realFolder(folder, directory);
      } catch (error) {
        if (error instanceof ObjectStoreError) throw error;
        throw storeError('create the parent directory of', key, error);
      }
    }
  }

  /** Makes `directory` (the tree's `folder`) a real folder, as {@link #makeParent} says. */
  async #realFolder(folder: string, directory: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const stats = await fs.lstat(directory).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw error;
      });
      if (stats?.isDirectory() === true) return;
      if (stats === undefined) {
        try {
          await fs.mkdir(directory);
          return;
        } catch (error) {
          // Made meanwhile by another write: looked at again.
          if (errorCode(error) !== 'EEXIST' || attempt > 8) throw error;
          continue;
        }
      }
      if (!stats.isSymbolicLink() || mayHoldVersions(folder)) {
        const what = stats.isSymbolicLink()
          ? `a symbolic link (to ${await fs.readlink(directory).catch(() => '?')})`
          : 'a file';
        throw new ObjectStoreError(
          stats.isSymbolicLink()
            ? `${JSON.stringify(folder)} is ${what} where a folder of the tree goes: a run writes only into the tree's own folders, never through a link; put the folder itself there and run again`
            : `${JSON.stringify(folder)} is ${what} where a folder of the tree goes: move it away and run again`,
          folder,
        );
      }
      // Only the link goes: what it led to is left as it was (another write to the folder may have
      // taken it away first).
      await fs.unlink(directory).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
    }
  }

  /**
   * Removes, once a run, the temporary files of `folder` that runs which died left there: a run killed while
   * writing left its file (a version's CSV: 168 MB) beside the published ones for good, and a copy of the
   * tree shipped it. A file named with its writer goes when the writer was a process of this machine that
   * no longer runs (as a lock's owner, see {@link ownerIsGone}); one of an unnamed writer (an older version)
   * when it was untouched for {@link UNOWNED_TEMPORARY_AGE_MS}. Nothing else in the folder is touched.
   */
  async #sweepOnce(folder: string): Promise<void> {
    if (this.#swept.has(folder)) return;
    this.#swept.add(folder);
    const names = await fs.readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      const owned = OWNED_TEMPORARY.exec(name);
      const file = path.join(folder, name);
      const dead =
        owned === null
          ? UNOWNED_TEMPORARY.test(name) &&
            Date.now() - ((await fs.lstat(file).catch(() => undefined))?.mtimeMs ?? Date.now()) >
              UNOWNED_TEMPORARY_AGE_MS
          : owned[2] === HOST_TAG && ownerIsGone({ host: hostname(), pid: Number(owned[1]) });
      if (dead) await removeQuietly(file);
    }
  }

  /** Atomically creates `file` with `body`; `false` when something already exists there. */
  async #createFrom(key: string, file: string, body: PutBody): Promise<boolean> {
    const { temp, checked } = await this.#writeTemp(key, file, body);
    try {
      await fs.link(temp, file);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw storeError('create', key, error);
      if (await isDirectory(file)) throw storeError('create', key, error);
      return false;
    } finally {
      await removeQuietly(temp);
    }
    // After the temporary name is gone: removing it changes the file's change time.
    await this.#remember(file, body, checked);
    return true;
  }

  /** Atomically replaces (or creates) `file` with `body`. */
  async #replaceWith(key: string, file: string, body: PutBody): Promise<void> {
    const { temp, checked } = await this.#writeTemp(key, file, body);
    try {
      await fs.rename(temp, file);
    } catch (error) {
      await removeQuietly(temp);
      throw storeError('replace', key, error);
    }
    await this.#remember(file, body, checked);
  }

  /**
   * Records what `file`, just put in place, holds, when its bytes were read back and found as the body
   * declares (`checked`, the identity the file had during that read) and the file is still the one read,
   * unwritten since: the same device, inode, size and modification time (its change time moved with the
   * link or rename). Whatever was known of the file before is forgotten.
   */
  async #remember(file: string, body: PutBody, checked: BigIntStats | undefined): Promise<void> {
    this.#known.delete(file);
    if (checked === undefined || !isStreamedBody(body)) return;
    const now = await fs.stat(file, { bigint: true }).catch(() => undefined);
    if (now === undefined || !sameBytesSince(checked, now)) return;
    this.#learn(file, { identity: identityOf(now), content: { bytes: body.bytes, sha256: body.sha256 } });
  }

  /**
   * Writes `body` to a new temporary file next to `file`; a streamed body must match what it declares.
   * A body that is a file already (a scratch file) is copied by the file system, a clone where it can
   * make one, and the copy read once to check it; any other is written chunk by chunk as it is checked.
   */
  async #writeTemp(key: string, file: string, body: PutBody): Promise<WrittenTemp> {
    await this.#sweepOnce(path.dirname(file));
    const temp = temporaryFile(file);
    if (isStreamedBody(body) && body.file !== undefined)
      return placeChecked(key, body, body.file, temp, body.handedOver === true);
    // The file is opened (created) before anything else happens and closed before the clean-up, so a
    // failed write can never create it after it was removed.
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(temp, 'wx');
      if (isStreamedBody(body)) {
        // The stream closes the handle when it finishes or fails.
        await pipeline(verifiedChunks(body, key), handle.createWriteStream());
      } else {
        await handle.writeFile(body);
        await handle.close();
      }
      handle = undefined;
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await removeQuietly(temp);
      throw storeError('write a temporary file for', key, error);
    }
    return { temp };
  }

  async #withLock<T>(key: string, file: string, action: () => Promise<T>): Promise<T> {
    const lock = path.join(path.dirname(file), `.${path.basename(file)}.lock`);
    const owner: LockOwner = { token: randomBytes(16).toString('hex'), pid: process.pid, host: hostname() };
    const deadline = Date.now() + this.#lockTimeoutMs;
    // The lock appears with its owner already written in it (a complete file linked into place), so a
    // crash can never leave a lock that does not say whose it is.
    // The folder's temporary files left by runs that died go first, before this run adds its own.
    await this.#sweepOnce(path.dirname(file));
    const claim = temporaryFile(file);
    try {
      await fs.writeFile(claim, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
    } catch (error) {
      throw storeError('lock', key, error);
    }
    let delay = 2;
    try {
      for (;;) {
        try {
          await fs.link(claim, lock);
          break;
        } catch (error) {
          if (errorCode(error) !== 'EEXIST') throw storeError('lock', key, error);
        }
        if (await this.#takeOverIfStale(lock)) continue;
        if (Date.now() >= deadline) {
          throw new ObjectStoreError(
            `could not lock ${JSON.stringify(key)}: ${lock} is held by a live writer and was not released within ${this.#lockTimeoutMs} ms`,
            key,
          );
        }
        await sleep(delay + Math.random() * delay);
        delay = Math.min(delay * 2, 100);
      }
    } finally {
      await removeQuietly(claim);
    }
    // The claim was written before any wait: the lease starts now.
    const acquired = new Date();
    await fs.utimes(lock, acquired, acquired).catch(() => undefined);
    // Renew the lease while working, so that a slow write is never taken for a dead one.
    const renewal = setInterval(
      () => {
        const now = new Date();
        void fs.utimes(lock, now, now).catch(() => undefined);
      },
      Math.max(1, Math.floor(this.#lockLeaseMs / 3)),
    );
    renewal.unref();
    try {
      return await action();
    } finally {
      clearInterval(renewal);
      await releaseLock(lock, owner.token);
    }
  }

  /**
   * Removes a lock whose owner is gone: its lease ran out (not renewed for
   * `lockLeaseMs`, or dated more than that ahead of this clock), or its owner was a process of this machine that no longer
   * exists. The lock is first moved aside under a unique name, so that of two
   * writers taking over the same stale lock only one succeeds; a lock that
   * turns out to have been renewed or replaced meanwhile is put back.
   */
  async #takeOverIfStale(lock: string): Promise<boolean> {
    let stat;
    let content: string;
    try {
      [stat, content] = await Promise.all([fs.stat(lock), fs.readFile(lock, 'utf8')]);
    } catch (error) {
      return isMissing(error); // released meanwhile: try again at once
    }
    // A lease renewed with this clock is never dated more than a lease ahead of it: a lock dated further
    // ahead (a clock set back since, or a forged time) would otherwise hold every writer off until then.
    const expired = Math.abs(Date.now() - stat.mtimeMs) > this.#lockLeaseMs;
    if (!expired && !ownerIsGone(parseOwner(content))) return false;
    // Named as a temporary file of the lock's target (`.<name>.lock` is the lock of `<name>`).
    const aside = temporaryFile(path.join(path.dirname(lock), path.basename(lock).slice(1, -'.lock'.length)));
    try {
      await fs.rename(lock, aside);
    } catch (error) {
      return isMissing(error);
    }
    const moved = await fs.readFile(aside, 'utf8').catch(() => '');
    if (moved !== content) {
      // Not the stale lock we judged, but a newer one: give it back to its owner.
      await fs.link(aside, lock).catch(() => undefined);
    }
    await removeQuietly(aside);
    return true;
  }
}

/** Who holds a lock: written into the lock file. */
interface LockOwner {
  /** Random, unique to one acquisition. */
  readonly token: string;
  readonly pid: number;
  readonly host: string;
}

function parseOwner(content: string): Partial<LockOwner> {
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === 'object' && value !== null ? (value as Partial<LockOwner>) : {};
  } catch {
    return {}; // a lock written by an older version, or cut short by a crash: judged by its lease only
  }
}

/** True when the owner was a process on this machine that has ended. */
function ownerIsGone(owner: Partial<LockOwner>): boolean {
  if (owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
}

/** Removes the lock if it is still this owner's (it may have been taken over after a long stall). */
async function releaseLock(lock: string, token: string): Promise<void> {
  const content = await fs.readFile(lock, 'utf8').catch(() => undefined);
  if (content !== undefined && parseOwner(content).token === token) await removeQuietly(lock);
}

/** The strong ETag of a body: its quoted SHA-256 hex digest. */
function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('hex')}"`;
}

/**
 * Opens a stored file for reading, without waiting for a writer: a FIFO, a socket or a device where a
 * file should be (data/x.csv linked to /dev/zero, a named pipe) is refused at once with an error saying
 * so, where opening a FIFO waited for ever and a device was read without end. A folder is no file there
 * (EISDIR, which counts as missing). Given `within`, the tree's real path, the file is read only where its
 * real path lies inside it and, for a version's `key`, is a version's file (LINK_OUT, missing too).
 */
async function openForReading(file: string, within?: string, key?: string): Promise<fs.FileHandle> {
  let real = file;
  if (within !== undefined) {
    // As `serve` and `verify` read the tree: a symbolic link is followed only where it stays inside it,
    // and from a version's file only to a version's file.
    real = await fs.realpath(file);
    if (key !== undefined && isInside(real, within) && !versionFileMayLeadTo(key, treeKey(real, within)))
      throw Object.assign(new Error(`${file} is a symbolic link to a file that can change`), {
        code: LINK_OUT,
      });
    if (!isInside(real, within))
      throw Object.assign(
        new Error(`${file} is a symbolic link (or under one) that leads out of the directory`),
        {
          code: LINK_OUT,
        },
      );
  }
  // No following a link swapped in since the path was resolved, and no waiting on a FIFO.
  const handle: fs.FileHandle = await fs
    .open(
      real,
      fsConstants.O_RDONLY |
        (fsConstants.O_NONBLOCK ?? 0) |
        (within === undefined ? 0 : (fsConstants.O_NOFOLLOW ?? 0)),
    )
    .catch((error: unknown) => {
      // A socket cannot be opened at all (ENXIO): said as what it is.
      if (errorCode(error) === 'ENXIO') throw notRegular(file, 'a socket');
      throw error;
    });
  const stats = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (stats.isFile()) return handle;
  await handle.close();
  // A folder where a file goes is no file there (see isMissing), as reading it would have found.
  if (stats.isDirectory())
    throw Object.assign(new Error(`${file} is a folder, not a file`), { code: 'EISDIR' });
  const kind = stats.isFIFO()
    ? 'a named pipe'
    : stats.isSocket()
      ? 'a socket'
      : stats.isCharacterDevice() || stats.isBlockDevice()
        ? 'a device'
        : 'not a file';
  throw notRegular(file, kind);
}

/** The error of a read that found `kind` (a named pipe, a socket, a device) where a file goes. */
function notRegular(file: string, kind: string): Error {
  return Object.assign(new Error(`${file} is ${kind}, not a regular file${MOVE_IT_AWAY}`), {
    code: NOT_REGULAR,
    kind,
  });
}

/**
 * Puts the bytes of `source` into the new file `temp` and reads them there once: `temp` is returned only
 * when it holds what the body declares, and is removed otherwise. A file handed over with its body is
 * moved (renamed over `temp`), where it is on the same file system; any other is copied by the file
 * system (a clone where the file system offers one). `temp` is created first, as any other body's is,
 * and keeps the permissions a new file gets rather than the source's. Each step is settled before any
 * clean-up, so nothing can create `temp` after it was removed.
 */
async function placeChecked(
  key: string,
  body: StreamedBody,
  source: string,
  temp: string,
  move: boolean,
): Promise<WrittenTemp> {
  let created = false;
  try {
    const handle = await fs.open(temp, 'wx');
    created = true;
    const { mode } = await handle.stat().finally(() => handle.close());
    if (!move || !(await movedOver(source, temp)))
      await fs.copyFile(source, temp, fsConstants.COPYFILE_FICLONE);
    await fs.chmod(temp, mode & 0o7777);
    const copied = await hashFile(temp);
    const sha256 = copied.etag.slice(1, -1);
    if (copied.bytes !== body.bytes || sha256 !== body.sha256)
      throw bodyMismatch(body, key, { bytes: copied.bytes, sha256 });
    return copied.unchanged === undefined ? { temp } : { temp, checked: copied.unchanged };
  } catch (error) {
    if (created) await removeQuietly(temp);
    throw storeError('write a temporary file for', key, error);
  }
}

/**
 * Renames `source` over `temp`: `false`, with nothing moved, when the two are on different file systems.
 * What is moved must be a regular file with no other name, as a scratch file is: anything else (a link
 * to another file, a file another name could still write) is refused, and not published.
 */
async function movedOver(source: string, temp: string): Promise<boolean> {
  // Said of a scratch file: the run's own folder, which only another program can have changed.
  const changed =
    "another program changed the run's scratch folder; nothing was published from it, run again";
  try {
    await fs.rename(source, temp);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EXDEV') return false;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR')
      throw new Error(
        `${source} was handed over to be moved into place, but is gone or no file (${code}): ${changed}`,
        {
          cause: error,
        },
      );
    throw error;
  }
  const moved = await fs.lstat(temp);
  if (!moved.isFile() || moved.nlink !== 1)
    throw new Error(
      `${source} was handed over as a file of its own, but is ${moved.isFile() ? `a file with ${moved.nlink} names` : 'not a regular file'}: ${changed}`,
    );
  return true;
}

/**
 * The bytes of an open file, read to its end, but no more than `maxBytes`: a file that grew past them
 * since its size was taken is refused with {@link ObjectTooLargeError} once the read passes them.
 */
async function readAtMost(handle: fs.FileHandle, key: string, maxBytes: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let bytes = 0;
  for (;;) {
    const piece = Buffer.allocUnsafe(Math.min(HASH_READ_BYTES, maxBytes - bytes + 1));
    const { bytesRead } = await handle.read(piece, 0, piece.length, bytes);
    if (bytesRead === 0) return Buffer.concat(pieces, bytes);
    bytes += bytesRead;
    if (bytes > maxBytes) throw new ObjectTooLargeError(key, bytes, maxBytes);
    pieces.push(piece.subarray(0, bytesRead));
  }
}

/** Bytes a file is hashed in at a time. */
const HASH_READ_BYTES = 1 << 18;

/**
 * A file's size, ETag and time, read through one handle; `unchanged` is its identity when that was
 * the same before the read and after it (nothing wrote to it meanwhile).
 */
async function hashFile(
  file: string,
  within?: string,
  key?: string,
  limits: { readonly maxBytes?: number; readonly signal?: AbortSignal | undefined } = {},
): Promise<{
  bytes: number;
  etag: string;
  lastModified: Date;
  unchanged?: BigIntStats;
  /** More than `limits.maxBytes`: not read (the size given), or not read to the end (`grew`: at least `bytes`). */
  over?: true;
  grew?: true;
}> {
  const handle = await openForReading(file, within, key);
  try {
    const before = await handle.stat({ bigint: true });
    const mtime = before.mtime;
    if (limits.maxBytes !== undefined && before.size > BigInt(limits.maxBytes))
      return { bytes: Number(before.size), etag: '', lastModified: mtime, over: true };
    const hash = createHash('sha256');
    let bytes = 0;
    // Two buffers read into in turn, again and again: the next piece is read while this one is hashed,
    // and the hash copies nothing, so a large file allocates nothing per piece.
    const buffers = [Buffer.allocUnsafeSlow(HASH_READ_BYTES), Buffer.allocUnsafeSlow(HASH_READ_BYTES)];
    let turn = 0;
    let reading = handle.read(buffers[0] as Buffer, 0, HASH_READ_BYTES, 0);
    for (;;) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead === 0) break;
      limits.signal?.throwIfAborted();
      bytes += bytesRead;
      // A file that grew past the limit while it was read is not read to its end.
      if (limits.maxBytes !== undefined && bytes > limits.maxBytes)
        return { bytes, etag: '', lastModified: mtime, over: true, grew: true };
      turn ^= 1;
      reading = handle.read(buffers[turn] as Buffer, 0, HASH_READ_BYTES, bytes);
      hash.update(buffer.subarray(0, bytesRead));
    }
    const after = await handle.stat({ bigint: true });
    const etag = `"${hash.digest('hex')}"`;
    return identityOf(before) === identityOf(after)
      ? { bytes, etag, lastModified: mtime, unchanged: after }
      : { bytes, etag, lastModified: mtime };
  } finally {
    await handle.close();
  }
}

/**
 * A file's identity as {@link LocalDirectoryStore.knownContent} compares it: what any write, `touch`,
 * `chmod` or replacement of the file changes.
 */
function identityOf(stats: BigIntStats): string {
  return [stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(':');
}

/**
 * Whether `now` is the file `then` was, with no write since: the same device, inode, size and
 * modification time. The change time is left out: linking, unlinking and renaming move it.
 */
function sameBytesSince(then: BigIntStats, now: BigIntStats): boolean {
  return (
    then.dev === now.dev && then.ino === now.ino && then.size === now.size && then.mtimeNs === now.mtimeNs
  );
}

/** What a file system entry is, when it is no regular file: said where a file of the tree should be. */
function kindOf(stats: {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'a device';
}

/** The tree's key of the real path `real` inside the folder whose real path is `root`. */
function treeKey(real: string, root: string): string {
  return path.relative(root, real).split(path.sep).join('/');
}

/** Whether the real path `real` lies inside the folder whose real path is `root`. */
function isInside(real: string, root: string): boolean {
  return real.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}

/** What to do about something other than a file where a file of the tree goes. */
const MOVE_IT_AWAY = ': the tree holds files only; move it away and run again';

/** The code {@link openForReading} gives a key whose symbolic link leads out of the tree. */
const LINK_OUT = 'ELINKOUT';
/** The code of {@link notRegular}'s error: what is there is no regular file, and reading it would block or fail. */
const NOT_REGULAR = 'ENOTREGULAR';

/**
 * No file at that key: nothing there, a parent is a file, the key names a directory, or a symbolic link
 * that leads out of the tree, which the site does not serve either (a derived file there is written anew;
 * a version's file is reported missing).
 */
function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  // ELOOP: links that lead to one another, never to a file (absenceOf says so): a loop in place of one
  // dataset's file stopped every run, that of other datasets too.
  return (
    code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP' || code === LINK_OUT
  );
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await fs.lstat(file)).isDirectory();
  } catch {
    return false;
  }
}

async function removeQuietly(file: string): Promise<void> {
  await fs.rm(file, { force: true }).catch(() => undefined);
}

function storeError(action: string, key: string, cause: unknown): ObjectStoreError {
  // A folder where a file goes is someone's: no run removes it, so the message says to (and no more: the
  // system's words name the store's temporary file).
  if (errorCode(cause) === 'EISDIR')
    return new ObjectStoreError(
      `could not ${action} ${JSON.stringify(key)}: ${JSON.stringify(key)} is a folder in the tree, where the file goes: move it away and run again`,
      key,
      { cause },
    );
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  if (errorCode(cause) === NOT_REGULAR)
    return new NotAFileError(
      `could not ${action} ${JSON.stringify(key)}${detail}`,
      key,
      String((cause as { kind?: unknown }).kind),
      { cause },
    );
  return new ObjectStoreError(`could not ${action} ${JSON.stringify(key)}${detail}`, key, { cause });
}
