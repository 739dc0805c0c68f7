import { isVersionedKey } from './content-policy.js';

/**
 * The port through which the pipeline reads and writes the published tree.
 *
 * Keys are `/`-separated paths relative to the site root (`catalog.json`,
 * `datasets/trade/1.0.0/trade.csv`). Adapters live in `lambda/store/`: a local
 * directory and S3. Core code depends on this interface only.
 */
export interface ObjectStore {
  /** Reads a whole object, or `undefined` when the key does not exist. */
  get(key: string): Promise<StoredObject | undefined>;
  /**
   * Streams an object's body in chunks, or `undefined` when the key does not
   * exist. Large sources are read this way so that they are never held whole.
   */
  open(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Metadata of an object without its body, or `undefined` when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Creates the object only if no object exists at `key` (S3 `If-None-Match: *`).
   * Returns `'created'` or, when something is already there, `'exists'`; never overwrites.
   */
  putIfAbsent(key: string, body: Uint8Array, meta: ObjectMeta): Promise<'created' | 'exists'>;
  /**
   * Replaces the object only if its current ETag equals `etag` (S3 `If-Match`), or
   * creates it only if absent when `etag` is `undefined`. Returns `'conflict'` when
   * someone else changed it first.
   */
  putIfMatch(
    key: string,
    body: Uint8Array,
    meta: ObjectMeta,
    etag: string | undefined,
  ): Promise<{ status: 'written'; etag: string } | { status: 'conflict' }>;
  /** Writes unconditionally (used only for mutable mirrors such as `latest/`). */
  put(key: string, body: Uint8Array, meta: ObjectMeta): Promise<void>;
  /** Every key under `prefix` (no particular order). */
  list(prefix: string): AsyncIterable<string>;
}

/** HTTP metadata stored with every object and served with it. */
export interface ObjectMeta {
  readonly contentType: string;
  readonly cacheControl: string;
}

/** What `head` returns: the object's size, its store-specific ETag and when it was last written. */
export interface ObjectInfo extends ObjectMeta {
  readonly bytes: number;
  /** Opaque version tag: pass it back to `putIfMatch`. */
  readonly etag: string;
  /**
   * When the object was last written (S3 `Last-Modified`, a file's mtime), where the
   * store knows it. S3 reports whole seconds.
   */
  readonly lastModified?: Date;
}

/** A whole object with its metadata. */
export interface StoredObject extends ObjectInfo {
  readonly body: Uint8Array;
}

/** A store request failed for a reason other than a precondition (network, permissions, …). */
export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
  constructor(
    message: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A replace or overwrite was attempted on a file inside an immutable version folder. */
export class ImmutableKeyError extends Error {
  override readonly name = 'ImmutableKeyError';
  constructor(readonly key: string) {
    super(`${key} is inside a published version folder: it can only be created once, never replaced`);
  }
}

/**
 * Guards every replacing write: adapters call it in `put` and `putIfMatch`, so
 * no code path can overwrite a file under `datasets/<id>/<version>/`.
 */
export function assertReplaceable(key: string): void {
  if (isVersionedKey(key)) throw new ImmutableKeyError(key);
}
