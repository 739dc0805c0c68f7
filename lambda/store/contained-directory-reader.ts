import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { messageOf, OpenDataError } from '../core/errors.js';
import type { ObjectStore } from '../core/object-store.js';
import { relativeKeyProblem } from '../core/relative-key.js';
import { versionFileMayLeadTo } from '../core/site-keys.js';

/** A file of a directory being verified that must not be read (it leads out, or is not a file). */
export class UnsafeLocalFileError extends OpenDataError {
  override readonly name = 'UnsafeLocalFileError';
  readonly code = 'unsafe-local-file';
}

/**
 * Reads a published tree from a local directory for `verify`, which may be
 * pointed at a tree someone else wrote. It reads a key only if its real path
 * (every link resolved) is still inside the directory and is a regular file: a
 * link to `/etc/…`, `/dev/zero` or a FIFO (whose `open` would wait forever) is
 * an error, never read. Links inside the tree are fine, but for a version's file
 * only to a version's file. `LocalDirectoryStore` reads its tree by the same
 * rules, and reads what they refuse as missing, where this reports it.
 */
export class ContainedDirectoryReader implements Pick<ObjectStore, 'open' | 'list'> {
  readonly #root: string;
  #realRoot: Promise<string> | undefined;

  constructor(root: string) {
    this.#root = path.resolve(root);
  }

  /** Streams the file at `key`, or `undefined` when there is none. */
  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const unsafe = relativeKeyProblem(key);
    if (unsafe !== undefined) throw new UnsafeLocalFileError(`${JSON.stringify(key)} ${unsafe}: not read`);
    this.#realRoot ??= fs.realpath(this.#root).catch(() => this.#root);
    const realRoot = await this.#realRoot;
    let real: string;
    try {
      real = await fs.realpath(path.join(this.#root, ...key.split('/')));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new UnsafeLocalFileError(`could not resolve ${JSON.stringify(key)}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    if (!real.startsWith(`${realRoot}${path.sep}`))
      throw new UnsafeLocalFileError(
        'is a symbolic link (or under one) that leads out of the directory: not read',
      );
    if (!versionFileMayLeadTo(key, path.relative(realRoot, real).split(path.sep).join('/')))
      throw new UnsafeLocalFileError(
        `is a symbolic link (or under one) to ${path.relative(realRoot, real).split(path.sep).join('/')}, which is no version's file and may be written again, where a version's file never changes: not read`,
      );
    // No following a link swapped in since, and no waiting on a FIFO: the type is checked on the open handle.
    const handle = await fs
      .open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
      .catch((error: unknown) => {
        // A socket cannot be opened at all.
        if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENXIO')
          throw new UnsafeLocalFileError('is a socket, not a regular file: not read');
        throw error;
      });
    try {
      if (!(await handle.stat()).isFile()) throw new UnsafeLocalFileError('is not a regular file: not read');
    } catch (error) {
      await handle.close();
      throw error;
    }
    // The stream owns the handle from here and closes it at the end, on error or when the reader stops early.
    return handle.createReadStream() as AsyncIterable<Uint8Array>;
  }

  /**
   * The keys of everything but folders under `prefix` (a folder's key, ending with `/`), folder by folder:
   * a symbolic link is given as the key it stands at and never followed, so nothing outside the
   * directory is listed, and a loop of links is no loop here.
   */
  async *list(prefix: string): AsyncGenerator<string> {
    const unsafe = relativeKeyProblem(`${prefix}x`);
    if (unsafe !== undefined)
      throw new UnsafeLocalFileError(`${JSON.stringify(prefix)} ${unsafe}: not listed`);
    const pending = [prefix];
    for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
      const entries = await fs
        .readdir(path.join(this.#root, ...folder.split('/')), { withFileTypes: true })
        .catch((error: unknown) => {
          if (isMissing(error)) return [];
          throw error;
        });
      for (const entry of entries) {
        if (entry.isDirectory()) pending.push(`${folder}${entry.name}/`);
        else yield `${folder}${entry.name}`;
      }
    }
  }
}

function isMissing(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
