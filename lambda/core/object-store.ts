import { OpenDataError } from './errors.js';
import { createHash } from 'node:crypto';
import { isVersionedKey } from './content-policy.js';

/**
 * The port through which the pipeline reads and writes the published tree.
 *
 * Keys are `/`-separated paths relative to the site root (`catalog.json`,
 * `datasets/trade/1.0.0/trade.csv`). Adapters live in `lambda/store/`: a local
 * directory and S3. Core code depends on this interface only.
 */
export interface ObjectStore {
  /**
   * Reads a whole object, or `undefined` when the key does not exist; one larger than `options.maxBytes`
   * is refused with {@link ObjectTooLargeError}, its body not read whole.
   */
  get(key: string, options?: GetOptions): Promise<StoredObject | undefined>;
  /**
   * Streams an object's body in chunks, or `undefined` when the key does not
   * exist. Large sources are read this way so that they are never held whole.
   */
  open(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Metadata of an object without its body, or `undefined` when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Whether an object exists at `key`, exactly when `head` would find one, for a
   * store that can tell without `head`'s work (a directory store reads the whole
   * file to compute its ETag). Absent: `objectExists` asks `head`.
   */
  exists?(key: string): Promise<boolean>;
  /**
   * Creates the object only if no object exists at `key` (S3 `If-None-Match: *`).
   * Returns `'created'` or, when something is already there, `'exists'`; never overwrites.
   */
  putIfAbsent(key: string, body: PutBody, meta: ObjectMeta): Promise<'created' | 'exists'>;
  /**
   * Replaces the object only if its current ETag equals `etag` (S3 `If-Match`), or
   * creates it only if absent when `etag` is `undefined`. Returns `'conflict'` when
   * someone else changed it first.
   */
  putIfMatch(
    key: string,
    body: PutBody,
    meta: ObjectMeta,
    etag: string | undefined,
  ): Promise<{ status: 'written'; etag: string } | { status: 'conflict' }>;
  /** Writes unconditionally (used only for mutable mirrors such as `latest/`). */
  put(key: string, body: PutBody, meta: ObjectMeta): Promise<void>;
  /** Every key under `prefix` (no particular order). */
  list(prefix: string): AsyncIterable<string>;
  /**
   * Replaces the mutable object at `to` with a copy of the object at `from`,
   * made by the store itself without passing the bytes through this process
   * (S3 `CopyObject`, or a multipart copy above 5 GiB; a clone on a directory
   * whose file system can make one, a copy by the file system otherwise). Returns `'missing'` when
   * `from` does not exist, and `'unsupported'` when this store cannot copy
   * that object (the caller then writes the bytes itself). Like `put`, it
   * never writes inside a version folder.
   */
  copy?(from: string, to: string, meta: ObjectMeta): Promise<'copied' | 'missing' | 'unsupported'>;
  /**
   * The size and SHA-256 of an object that this store itself wrote and read back, found as declared, and
   * can tell unchanged since without reading it (a directory store compares the file's identity:
   * device, inode, size, modification and change times). `undefined` whenever it cannot tell: the
   * object is then read. A check reading back what a run has just written asks this first, so that
   * the run does not hash those bytes once more.
   */
  knownContent?(key: string): Promise<ContentDigest | undefined>;
  /**
   * The size and SHA-256 of the object at `key`, read in full by the store itself (`undefined` where there
   * is none), which can then tell it unchanged later without reading it ({@link knownContent}); an object
   * of more than `maxBytes` is not read to its end, and only its size is given. A store that has it (a
   * directory store) is asked this instead of {@link open} by a check of the files a catalog lists.
   */
  digestOf?(key: string, maxBytes: number, signal?: AbortSignal): Promise<DigestRead | undefined>;
  /**
   * What stands where `key` has no object, when something does that a reader would not take for one (a
   * folder, a symbolic link leading out of a directory tree): said after "missing" in a report. Only stores
   * where such things can be have it.
   */
  absenceOf?(key: string): Promise<string | undefined>;
}

/** What {@link ObjectStore.digestOf} read: the bytes and their SHA-256, or only how many bytes there are, over the limit. */
export type DigestRead =
  | ContentDigest
  | {
      readonly bytes: number;
      /** `'exactly'` the bytes given, or `'at least'` (the object grew while it was read, and was read no further). */
      readonly over: 'exactly' | 'at least';
    };

/**
 * What stands where `key` has no object, as a note to say after "missing" (see {@link ObjectStore.absenceOf}):
 * ` (…)`, or nothing where the store cannot tell or nothing stands there.
 */
export async function absenceNote(store: Pick<ObjectStore, 'absenceOf'>, key: string): Promise<string> {
  const there = await store.absenceOf?.(key);
  return there === undefined ? '' : ` (${there})`;
}

/** Bytes' size and SHA-256 (lowercase hex). */
export interface ContentDigest {
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * A body too large to hold in memory, typically a scratch file: its size and
 * SHA-256 are known before it is sent, and its bytes can be read again as
 * often as needed (a retried request, a comparison with what is stored).
 */
export interface StreamedBody {
  readonly bytes: number;
  /** SHA-256 of the bytes, lowercase hex. */
  readonly sha256: string;
  /** Reads the bytes from the start; each call gives a fresh stream. */
  open(): AsyncIterable<Uint8Array>;
  /**
   * A file on this machine holding the bytes, never written again (a closed scratch file): a store on
   * the same machine may have the file system copy it, a clone where it can, instead of reading it
   * through `open`. The copy is checked against {@link bytes} and {@link sha256} all the same.
   */
  readonly file?: string;
  /**
   * Whether {@link file} is given away with the body: nothing reads or writes it once a put has taken
   * it, so a store on the same machine may move it into place (a rename, where it is on the same file
   * system) instead of copying it, and a put that fails or finds the key taken may leave it gone. The
   * moved file is checked against {@link bytes} and {@link sha256} as a copy is. For files made for one
   * put only (a version's rendered files); never for a file read again after it is put.
   * @default false
   */
  readonly handedOver?: boolean;
}

/** What a write accepts: bytes in memory, or a {@link StreamedBody} that is read as it is sent. */
export type PutBody = Uint8Array | StreamedBody;

/** Whether an object exists at `key`: the store's `exists` where it has one, else its `head`. */
export async function objectExists(
  store: Pick<ObjectStore, 'head' | 'exists'>,
  key: string,
): Promise<boolean> {
  return store.exists === undefined ? (await store.head(key)) !== undefined : store.exists(key);
}

/** True when the body is streamed rather than held. */
export function isStreamedBody(body: PutBody): body is StreamedBody {
  return !(body instanceof Uint8Array);
}

/** A body's size in bytes. */
export function bodyBytes(body: PutBody): number {
  return isStreamedBody(body) ? body.bytes : body.byteLength;
}

/** A body's SHA-256, lowercase hex (computed for bytes in memory, known for streamed bodies). */
export function bodySha256(body: PutBody): string {
  return isStreamedBody(body) ? body.sha256 : createHash('sha256').update(body).digest('hex');
}

/** Size and SHA-256 (lowercase hex) of a stream of chunks, read to its end. */
export async function digestStream(chunks: AsyncIterable<Uint8Array>): Promise<ContentDigest> {
  const read = digestedAsRead(chunks);
  for await (const chunk of read.chunks) void chunk;
  return read.digest();
}

/**
 * `chunks` passed on as they are and hashed as they pass, for a reader that parses a file and must also
 * know it was the file it expected: `digest()` gives the size and SHA-256 of what was read so far.
 */
export function digestedAsRead(chunks: AsyncIterable<Uint8Array>): {
  readonly chunks: AsyncIterable<Uint8Array>;
  digest(): ContentDigest;
} {
  const hash = createHash('sha256');
  let bytes = 0;
  return {
    chunks: (async function* () {
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        yield chunk;
      }
    })(),
    digest: () => ({ bytes, sha256: hash.copy().digest('hex') }),
  };
}

/**
 * A streamed body's bytes, checked against what it declares as they pass. The stream fails with an
 * {@link ObjectStoreError} as soon as it gives more than `body.bytes`, and at its end if it gave
 * fewer or its SHA-256 is not `body.sha256`. The last chunk is held back until that check has
 * passed, so a store writing through it never receives the whole body of one that lies: a
 * single request stays short of its `Content-Length`, a multipart upload never sends its last
 * part, a file is never complete. Only one chunk is held at a time.
 */
export async function* verifiedChunks(body: StreamedBody, key: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let bytes = 0;
  let held: Uint8Array | undefined;
  for await (const chunk of body.open()) {
    bytes += chunk.byteLength;
    if (bytes > body.bytes) {
      throw new ObjectStoreError(
        `the body streamed for ${JSON.stringify(key)} is longer than the ${body.bytes} bytes it declares`,
        key,
      );
    }
    hash.update(chunk);
    if (held !== undefined) yield held;
    held = chunk;
  }
  const sha256 = hash.digest('hex');
  if (bytes !== body.bytes || sha256 !== body.sha256) throw bodyMismatch(body, key, { bytes, sha256 });
  if (held !== undefined) yield held;
}

/**
 * The error for a streamed body whose bytes are not what it declares: `got` is what was read, to its end.
 * Every store refuses such a body with this one message, whichever way it read the bytes.
 */
export function bodyMismatch(
  body: StreamedBody,
  key: string,
  got: { readonly bytes: number; readonly sha256: string },
): ObjectStoreError {
  return new ObjectStoreError(
    `the body streamed for ${JSON.stringify(key)} gave ${got.bytes} bytes with SHA-256 ${got.sha256}, ` +
      `but declares ${body.bytes} bytes with SHA-256 ${body.sha256}`,
    key,
  );
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

/** Options of {@link ObjectStore.get}. */
export interface GetOptions {
  /**
   * The most bytes the object may hold: a larger one is refused with {@link ObjectTooLargeError} before
   * its body is read whole (what was read of it is let go), so that a read of a document whose size is
   * bounded (the catalog, a source text) is bounded too, whatever the file has become.
   * @default no limit
   */
  readonly maxBytes?: number;
}

/** An object larger than a read of it takes ({@link GetOptions.maxBytes}): refused, not read whole. */
export class ObjectTooLargeError extends OpenDataError {
  override readonly name = 'ObjectTooLargeError';
  readonly code = 'object-too-large';
  /**
   * @param bytes the object's size where the store says it, else how far it was read (at least that)
   */
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`${key} is ${bytes} bytes, more than the ${maxBytes} bytes a read of it takes`);
  }
}

/** A store request failed for a reason other than a precondition (network, permissions, …). */
export class ObjectStoreError extends OpenDataError {
  override readonly name: string = 'ObjectStoreError';
  readonly code = 'store-error';
  constructor(
    message: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * What stands at a key is no regular file (a named pipe, a socket, a device): nothing was read from it, where
 * reading would block or fail. A store whose keys are always objects (S3) never throws it.
 */
export class NotAFileError extends ObjectStoreError {
  override readonly name = 'NotAFileError';
  constructor(
    message: string,
    key: string,
    /** What is there, as a phrase: `a named pipe`. */
    readonly kind: string,
    options?: { cause?: unknown },
  ) {
    super(message, key, options);
  }
}

/** A replace or overwrite was attempted on a file inside an immutable version folder. */
export class ImmutableKeyError extends OpenDataError {
  override readonly name = 'ImmutableKeyError';
  readonly code = 'immutable-key';
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
