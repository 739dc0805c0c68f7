import {
  bodyBytes,
  isStreamedBody,
  type GetOptions,
  type ObjectMeta,
  type ObjectStore,
  type PutBody,
  type StreamedBody,
} from '../../lambda/core/object-store.js';

/**
 * The simulated death of a publishing process. Deliberately not an `OpenDataError`: no user
 * ever sees it, and code under test must not recognise and handle it as an operational failure.
 */
export class CrashError extends Error {
  override readonly name = 'CrashError';
  constructor(readonly operation: number) {
    super(`simulated crash at store operation ${operation}`);
  }
}

/**
 * How the process dies at the chosen operation:
 * - `before`: the operation is never started;
 * - `after`: it completes, but the caller never hears back;
 * - `torn`: a `put` stores the first half of its body, as a store that is not atomic would, then dies
 *   (other operations die `before`);
 * - `kill`: an operation with a body is started and the process is killed while the store is still
 *   reading that body (holding whatever a store holds mid-write: a lock, a temporary file, an open
 *   upload); other operations are killed before they start. Only for a child process that may die.
 */
export type CrashMode = 'before' | 'after' | 'torn' | 'kill';

/** Options of {@link CrashingStore}. */
export interface CrashingStoreOptions {
  /** The 1-based store operation at which the process dies. */
  readonly crashAt?: number;
  /** Or: the process dies at the first write (`put`, `putIfMatch`, `putIfAbsent`) to a key matching this. */
  readonly crashOnWrite?: RegExp;
  /** @default 'before' */
  readonly mode?: CrashMode;
  /**
   * Ends the process for `kill`.
   *
   * @default - SIGKILL to this process
   */
  readonly kill?: () => void;
}

/**
 * An {@link ObjectStore} wrapper that counts operations and, at operation `crashAt` (or the first
 * write matching `crashOnWrite`), dies: it throws
 * a {@link CrashError} and so does every later call, so the run stops as a killed process would, with
 * nothing of it running afterwards. `list` counts as one operation however many keys it yields.
 */
export class CrashingStore implements ObjectStore {
  /** Operations started so far (including the fatal one). */
  operations = 0;
  /** Set once the store has died. */
  crashed = false;
  readonly #inner: ObjectStore;
  readonly #crashAt: number | undefined;
  readonly #crashOnWrite: RegExp | undefined;
  readonly #mode: CrashMode;
  readonly #kill: () => void;

  constructor(inner: ObjectStore, options: CrashingStoreOptions) {
    this.#inner = inner;
    this.#crashAt = options.crashAt;
    this.#crashOnWrite = options.crashOnWrite;
    this.#mode = options.mode ?? 'before';
    this.#kill = options.kill ?? (() => process.kill(process.pid, 'SIGKILL'));
  }

  get(key: string, options?: GetOptions) {
    return this.#call(undefined, () => this.#inner.get(key, options));
  }

  open(key: string) {
    return this.#call(undefined, () => this.#inner.open(key));
  }

  head(key: string) {
    return this.#call(undefined, () => this.#inner.head(key));
  }

  putIfAbsent(key: string, body: PutBody, meta: ObjectMeta) {
    return this.#call(
      key,
      () => this.#inner.putIfAbsent(key, body, meta),
      (dying) => this.#inner.putIfAbsent(key, dying, meta),
    );
  }

  putIfMatch(key: string, body: PutBody, meta: ObjectMeta, etag: string | undefined) {
    return this.#call(
      key,
      () => this.#inner.putIfMatch(key, body, meta, etag),
      (dying) => this.#inner.putIfMatch(key, dying, meta, etag),
    );
  }

  put(key: string, body: PutBody, meta: ObjectMeta) {
    return this.#call(
      key,
      () => this.#inner.put(key, body, meta),
      (dying) => this.#inner.put(key, dying, meta),
      async () => this.#inner.put(key, await firstHalf(body), meta),
    );
  }

  async *list(prefix: string): AsyncIterable<string> {
    const keys: string[] = [];
    await this.#call(undefined, async () => {
      for await (const key of this.#inner.list(prefix)) keys.push(key);
    });
    yield* keys;
  }

  /**
   * Runs one operation, or dies. `written` is the key of a write; `withDyingBody` starts the operation
   * with a body that kills the process halfway through (for `kill`); `tear` stores half a body (for `torn`).
   */
  async #call<T>(
    written: string | undefined,
    operation: () => Promise<T>,
    withDyingBody?: (body: StreamedBody) => Promise<unknown>,
    tear?: () => Promise<unknown>,
  ): Promise<T> {
    if (this.crashed) throw new CrashError(this.operations);
    const number = ++this.operations;
    const fatal =
      number === this.#crashAt || (written !== undefined && this.#crashOnWrite?.test(written) === true);
    if (!fatal) return operation();
    this.crashed = true;
    switch (this.#mode) {
      case 'before':
        break;
      case 'after':
        await operation();
        break;
      case 'torn':
        if (tear !== undefined) await tear();
        break;
      case 'kill':
        if (withDyingBody === undefined) this.#kill();
        // Never settles: the process dies while the store reads the body.
        else await withDyingBody(this.#dyingBody());
        break;
    }
    throw new CrashError(number);
  }

  /** A body that gives a few bytes, then kills the process before the store can finish writing. */
  #dyingBody(): StreamedBody {
    const kill = this.#kill;
    return {
      bytes: 1 << 20,
      sha256: '0'.repeat(64),
      async *open() {
        yield new Uint8Array(512).fill(0x20);
        // Let the store write what it has (the temporary file exists, any lock is held), then die.
        await new Promise((resolve) => setTimeout(resolve, 20));
        kill();
        await new Promise(() => undefined);
      },
    };
  }
}

/** The first half of a body's bytes, held in memory (test bodies are small). */
async function firstHalf(body: PutBody): Promise<Uint8Array> {
  const half = Math.floor(bodyBytes(body) / 2);
  if (!isStreamedBody(body)) return body.slice(0, half);
  const out = new Uint8Array(half);
  let offset = 0;
  for await (const chunk of body.open()) {
    const piece = chunk.subarray(0, Math.max(0, half - offset));
    out.set(piece, offset);
    offset += piece.byteLength;
    if (offset >= half) break;
  }
  return out;
}
