import { createHash, type Hash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StreamedBody } from './object-store.js';
import { messageOf, OpenDataError } from './errors.js';

/**
 * Where bytes are written a piece at a time: a scratch file, a hash, a test's buffer. A writer may fill the
 * same buffer again once `write` has resolved, so a sink that keeps bytes keeps a copy, never the chunk.
 */
export interface ByteSink {
  write(chunk: Uint8Array | string): Promise<void>;
}

/** Scratch space could not be created or written (no such folder, no permission, disk full). */
export class ScratchSpaceError extends OpenDataError {
  override readonly name = 'ScratchSpaceError';
  readonly code = 'scratch-space';
}

/**
 * A scratch file no longer holds what this run wrote there: something else changed it while the run used
 * it. Nothing is published from it.
 */
export class ScratchChangedError extends OpenDataError {
  override readonly name = 'ScratchChangedError';
  readonly code = 'scratch-changed';
}

function scratchError(action: string, target: string, error: unknown): ScratchSpaceError {
  const reason = messageOf(error);
  return new ScratchSpaceError(
    `could not ${action} ${target} (${reason}); scratch files go to the OS temp directory: set TMPDIR to a folder with room for about seven times the largest CSV`,
    { cause: error },
  );
}

/** Every scratch directory's name starts with this. */
const SCRATCH_PREFIX = 'opendata-scratch-';

/**
 * Who made a scratch directory, in its name: `<pid>@<host>`, so that a later run on the same machine can
 * tell one whose process has gone (see {@link ScratchDirectory.removeAbandoned}).
 */
function ownerTag(hostname: string, pid: number): string {
  return `${pid}@${hostTag(hostname)}`;
}

/** A scratch directory's name with its owner: the process id, the host, and the six characters mkdtemp adds. */
const OWNER = new RegExp(`^${SCRATCH_PREFIX}(\\d+)@([A-Za-z0-9._-]+)-[A-Za-z0-9]{6}$`);

/** The host name as a file name may hold it: letters, digits, dots, hyphens and underscores, at most 63 (never an @). */
function hostTag(hostname: string): string {
  return hostname.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 63) || 'host';
}

/** Whether a process with this id runs on this machine (a signal 0 to it: ESRCH says no such process). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Bytes are handed to the file system in pieces of about this size. */
const FLUSH_BYTES = 1 << 20;

/** A scratch file's first buffer: all that a small file needs. */
const FIRST_BUFFER_BYTES = 1 << 16;

/** Scratch files are read back in pieces of this size. */
export const READ_BYTES = 1 << 18;

/**
 * A private temporary directory for one publish run (under the OS temp
 * directory: `/tmp` in Lambda). Large intermediate files (spilled rows, the
 * rendered version files) live here, so that no file is ever held whole in
 * memory; {@link dispose} removes everything.
 */
export class ScratchDirectory {
  /** This process's directories not yet disposed of (see {@link removeLiveSync}). */
  static readonly #live = new Set<string>();
  #next = 0;
  readonly #files = new Set<ScratchFile>();
  /** Files being created: {@link dispose} waits for them, so that none is left open on a removed file. */
  readonly #creating = new Set<Promise<unknown>>();
  #disposed = false;

  private constructor(readonly path: string) {}

  static async create(parent: string = os.tmpdir()): Promise<ScratchDirectory> {
    let directory: string;
    try {
      directory = await fs.mkdtemp(
        path.join(parent, `${SCRATCH_PREFIX}${ownerTag(os.hostname(), process.pid)}-`),
      );
    } catch (error) {
      throw scratchError('create a scratch folder in', parent, error);
    }
    ScratchDirectory.#live.add(directory);
    return new ScratchDirectory(directory);
  }

  /**
   * Removes, at once, every scratch directory this process created and has not disposed of: for a
   * process about to exit before its runs can clean up (the CLI stopped by Ctrl-C or SIGTERM). Never
   * throws: it gives the directories it could not remove, with why, which the next run's
   * {@link removeLeftovers} removes (their process will have ended).
   */
  static removeLiveSync(): { readonly path: string; readonly reason: string }[] {
    const left: { path: string; reason: string }[] = [];
    for (const directory of ScratchDirectory.#live) {
      const reason = removeTreeSync(directory);
      if (reason !== undefined) left.push({ path: directory, reason });
    }
    ScratchDirectory.#live.clear();
    return left;
  }

  /**
   * Removes scratch directories a run left behind when it was stopped before
   * it could clean up (a Lambda timeout keeps `/tmp` for the next invocation).
   * Only for a process that runs one publish at a time, before it starts:
   * another run's scratch in the same place would be removed too.
   */
  static async removeLeftovers(parent: string = os.tmpdir()): Promise<string[]> {
    const leftovers = (await fs.readdir(parent)).filter((name) => name.startsWith(SCRATCH_PREFIX));
    await Promise.all(
      leftovers.map((name) => fs.rm(path.join(parent, name), { recursive: true, force: true })),
    );
    return leftovers;
  }

  /**
   * Removes the scratch directories under `parent` that a process on this machine created and did not live
   * to remove: one killed outright (`kill -9`, the kernel out of memory) has no chance to, and its
   * directory holds up to about seven times its CSV. A directory is known by the host name and process id in
   * its name (see {@link ownerTag}); one of another host (a container sharing the folder), of a process still
   * running (or of another user, which this process may not signal), or named otherwise is left alone, as
   * is one this process may not remove. Returns the paths removed.
   */
  static async removeAbandoned(parent: string = os.tmpdir()): Promise<string[]> {
    const host = hostTag(os.hostname());
    let names: string[];
    try {
      names = await fs.readdir(parent);
    } catch {
      return []; // no temporary folder to look in: ScratchDirectory.create says what is wrong with it
    }
    const abandoned = names.filter((name) => {
      const owner = OWNER.exec(name);
      if (owner?.[2] !== host) return false;
      const pid = Number(owner[1]);
      return pid !== process.pid && !processRuns(pid);
    });
    // One this process may not remove (another user's, in a shared /tmp) is left as it is: it is not this
    // run's to clean, and no reason to stop the run.
    const removed = await Promise.all(
      abandoned.map((name) =>
        fs.rm(path.join(parent, name), { recursive: true, force: true }).then(
          () => path.join(parent, name),
          () => undefined,
        ),
      ),
    );
    return removed.filter((name) => name !== undefined);
  }

  /**
   * A new, empty file in the directory; `hint` only makes its name readable. A file created with
   * `digest: false` is not hashed as it is written, for files read back by the run itself and never
   * published (spilled rows): it is finished with {@link ScratchFile.end}, not closed into a body.
   */
  async createFile(hint: string, options: { readonly digest?: boolean } = {}): Promise<ScratchFile> {
    if (this.#disposed) throw new Error(`${this.path} is disposed of: no file can be created in it`);
    const target = this.reservePath(hint);
    const opening = fs.open(target, 'wx');
    this.#creating.add(opening);
    let handle: fs.FileHandle;
    try {
      handle = await opening;
    } catch (error) {
      throw scratchError('create the scratch file', target, error);
    } finally {
      this.#creating.delete(opening);
    }
    const file = new ScratchFile(target, handle, options.digest ?? true);
    this.#files.add(file);
    // Opened while the directory was being disposed of: closed at once, as dispose closes the others.
    if (this.#disposed) await file.abandon();
    return file;
  }

  /**
   * A path for a new file in the directory, no other file's, that is created otherwise than by
   * {@link createFile} (the Parquet worker's file, opened for it by the main thread); {@link dispose}
   * removes it with the rest.
   */
  reservePath(hint: string): string {
    const name = `${String(this.#next++).padStart(4, '0')}-${hint.replace(/[^A-Za-z0-9._-]/g, '_')}`;
    return path.join(this.path, name);
  }

  /**
   * Closes files left open (a run that failed half-way), those still being created too, and removes the
   * directory. No file can be created in it after.
   */
  async dispose(): Promise<void> {
    this.#disposed = true;
    // A file whose creation nothing awaited (a number log's, begun as its buffer filled) is opened first.
    await Promise.allSettled([...this.#creating]);
    await Promise.allSettled([...this.#files].map((file) => file.abandon()));
    this.#files.clear();
    await fs.rm(this.path, { recursive: true, force: true });
    ScratchDirectory.#live.delete(this.path);
  }
}

/** Passes {@link removeTreeSync} makes over a directory whose files are still appearing. */
const REMOVAL_PASSES = 5;

/**
 * Removes `directory` and everything in it, synchronously; `undefined` when it is gone, else why not. A
 * file can appear in it during the removal, when an open begun before (a scratch file being created,
 * still in flight on another thread when a signal came) completes: the last pass then finds the
 * directory not empty, and another pass removes the newcomer. An open that completes once the
 * directory is gone fails, and creates nothing.
 */
function removeTreeSync(directory: string): string | undefined {
  let reason: string | undefined;
  for (let pass = 0; pass < REMOVAL_PASSES; pass++) {
    try {
      rmSync(directory, { recursive: true, force: true });
      return undefined;
    } catch (error) {
      reason = messageOf(error);
    }
  }
  return reason;
}

/**
 * What a {@link ScratchFile} writes through: the file handle it was opened with, or a descriptor
 * another thread opened and lends it (see parquet-worker.ts), whose `close` leaves it to its owner.
 */
export interface ScratchFileHandle {
  /** Writes `buffer` at the file's current position (a regular file takes it whole). */
  write(buffer: Buffer): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A scratch file being written: buffered, hashed as it goes (unless created without a digest), and
 * closed into a {@link StreamedBody} that can be read back as often as needed.
 */
export class ScratchFile implements ByteSink {
  readonly #hash: Hash | undefined;
  /** The buffer being filled, and how much of it is. */
  #fill: Buffer | undefined;
  #filled = 0;
  /** Buffers filled and waiting for the write in flight. */
  #full: Buffer[] = [];
  /** A buffer whose write is done, filled again next instead of a new one. */
  #spare: Buffer | undefined;
  #buffers = 0;
  #bytes = 0;
  #written = 0;
  #closed: StreamedBody | undefined;
  #ended = false;
  #abandoned = false;
  #inflight: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly handle: ScratchFileHandle,
    digest = true,
  ) {
    this.#hash = digest ? createHash('sha256') : undefined;
  }

  /** Bytes handed to the file system and written: what a reader of {@link path} finds there so far. */
  get written(): number {
    return this.#written;
  }

  /**
   * Copies `chunk` into the file's buffer (the caller may reuse it once this resolves) and, when a buffer
   * is full, hands it to the file system. The same two buffers are filled in turn, one written while the
   * other fills, so a large file allocates nothing per chunk.
   */
  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.#ended || this.#abandoned) throw new Error(`${this.path} is closed`);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (bytes.byteLength === 0) return;
    this.#hash?.update(bytes);
    this.#bytes += bytes.byteLength;
    // Copied whole before any wait, so that writes follow one another in the order they were made.
    for (let offset = 0; offset < bytes.byteLength;) {
      const fill = (this.#fill ??= this.#takeBuffer());
      const count = Math.min(bytes.byteLength - offset, fill.byteLength - this.#filled);
      fill.set(bytes.subarray(offset, offset + count), this.#filled);
      offset += count;
      this.#filled += count;
      if (this.#filled === fill.byteLength) this.#retireFill();
    }
    if (this.#full.length > 0) await this.#flush();
  }

  /** Queues the buffer being filled, as far as it is filled, for writing. */
  #retireFill(): void {
    if (this.#fill !== undefined && this.#filled > 0) this.#full.push(this.#fill.subarray(0, this.#filled));
    this.#fill = undefined;
    this.#filled = 0;
  }

  /** Writes what is buffered and closes the file; the result reads it back. Closing twice is harmless. */
  async close(): Promise<StreamedBody> {
    if (this.#closed !== undefined) return this.#closed;
    const hash = this.#hash;
    if (hash === undefined) throw new Error(`${this.path} was written without a digest: end() it instead`);
    await this.end();
    this.#closed = scratchBody(this.path, this.#bytes, hash.digest('hex'));
    return this.#closed;
  }

  /** Writes what is buffered and closes the file, which is then read by its {@link path}. */
  async end(): Promise<void> {
    if (this.#ended) return;
    if (this.#abandoned) throw new Error(`${this.path} was abandoned`);
    this.#retireFill();
    while (this.#full.length > 0) await this.#flush();
    await this.#inflight;
    this.#spare = undefined;
    await this.handle.close();
    this.#ended = true;
  }

  /** Closes the file without finishing it (its contents no longer matter). */
  async abandon(): Promise<void> {
    if (!this.#ended && !this.#abandoned) {
      this.#abandoned = true;
      this.#fill = this.#spare = undefined;
      this.#full = [];
      await this.#inflight.catch(() => undefined);
      await this.handle.close();
    }
  }

  /**
   * A buffer to fill: the spare, else a new one. A file's first is small, so that the many small files
   * (pages, metadata) each hold little; a file that outgrows it gets buffers of {@link FLUSH_BYTES}.
   */
  #takeBuffer(): Buffer {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare ?? Buffer.allocUnsafeSlow(this.#buffers++ === 0 ? FIRST_BUFFER_BYTES : FLUSH_BYTES);
  }

  /**
   * Hands the next full buffer to the file system without waiting for it, so the next one fills while
   * this one is written; at most one write is in flight, so memory stays at two buffers.
   */
  async #flush(): Promise<void> {
    await this.#inflight;
    const buffer = this.#full.shift();
    if (buffer === undefined) return;
    const write = this.handle.write(buffer).then(
      () => {
        this.#written += buffer.byteLength;
        if (buffer.byteLength === FLUSH_BYTES && !this.#abandoned) this.#spare ??= buffer;
      },
      (error: unknown) => {
        throw scratchError('write the scratch file', this.path, error);
      },
    );
    // A failed write is thrown by the next flush or close; until one awaits it, a handler keeps Node
    // from ending the process over an unhandled rejection (a disk filling up mid-write did, with a stack
    // trace and the scratch folder left behind).
    write.catch(() => undefined);
    this.#inflight = write;
  }
}

/** A finished scratch file, never written again, as a body: read from the start as often as needed. */
export function scratchBody(file: string, bytes: number, sha256: string): StreamedBody {
  return {
    bytes,
    sha256,
    open: () => createReadStream(file, { highWaterMark: READ_BYTES }) as AsyncIterable<Uint8Array>,
    file,
  };
}
