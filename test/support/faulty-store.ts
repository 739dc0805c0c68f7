import { setTimeout as sleep } from 'node:timers/promises';
import {
  isStreamedBody,
  ObjectStoreError,
  digestStream,
  type GetOptions,
  type ObjectMeta,
  type ObjectStore,
  type PutBody,
} from '../../lambda/core/object-store.js';

/** Closes what an operation opened (a file's read stream), when it opened anything. */
function release(result: unknown): void {
  if (
    typeof result === 'object' &&
    result !== null &&
    'destroy' in result &&
    typeof result.destroy === 'function'
  )
    (result as { destroy(): void }).destroy();
}

/** How the injected fault shows itself to the caller. */
export type FaultMode = 'error' | 'timeout' | 'lost-response';

/**
 * Wraps a store and makes its k-th request fail: `error` (nothing done), `timeout`
 * (nothing done, after a delay) or `lost-response` (done, but the caller hears a failure).
 * Without `failAt` it only counts requests.
 */
export class FaultyStore implements ObjectStore {
  requests = 0;

  constructor(
    private readonly inner: ObjectStore,
    private readonly failAt?: number,
    private readonly mode: FaultMode = 'error',
  ) {}

  private async call<T>(key: string, operation: () => Promise<T>): Promise<T> {
    this.requests++;
    if (this.requests !== this.failAt) return operation();
    if (this.mode === 'error')
      throw new ObjectStoreError(`injected failure on request ${this.requests}`, key);
    if (this.mode === 'timeout') {
      await sleep(2);
      throw new ObjectStoreError(`injected timeout on request ${this.requests}`, key);
    }
    // Done, but the caller never sees the result: a body it would have read is closed here, as a client
    // drops a response it lost (a file left open would be closed by the garbage collector, which Node
    // warns about and means to make an error).
    release(await operation());
    throw new ObjectStoreError(`injected lost response on request ${this.requests}`, key);
  }

  get(key: string, options?: GetOptions) {
    return this.call(key, () => this.inner.get(key, options));
  }

  open(key: string) {
    return this.call(key, () => this.inner.open(key));
  }

  head(key: string) {
    return this.call(key, () => this.inner.head(key));
  }

  putIfAbsent(key: string, body: PutBody, meta: ObjectMeta) {
    return this.call(key, () => this.inner.putIfAbsent(key, body, meta));
  }

  putIfMatch(key: string, body: PutBody, meta: ObjectMeta, etag: string | undefined) {
    return this.call(key, () => this.inner.putIfMatch(key, body, meta, etag));
  }

  put(key: string, body: PutBody, meta: ObjectMeta) {
    return this.call(key, () => this.inner.put(key, body, meta));
  }

  async *list(prefix: string): AsyncIterable<string> {
    const keys: string[] = [];
    await this.call(prefix, async () => {
      for await (const key of this.inner.list(prefix)) keys.push(key);
    });
    yield* keys;
  }
}

/** A store that silently drops the last byte of every CSV it creates, and reports success. */
export function csvTruncatingStore(inner: ObjectStore): ObjectStore {
  return {
    get: (key, options) => inner.get(key, options),
    open: (key) => inner.open(key),
    head: (key) => inner.head(key),
    list: (prefix) => inner.list(prefix),
    put: (key, body, meta) => inner.put(key, body, meta),
    putIfMatch: (key, body, meta, etag) => inner.putIfMatch(key, body, meta, etag),
    putIfAbsent: async (key, body, meta) =>
      inner.putIfAbsent(key, key.endsWith('.csv') ? await withoutLastByte(body) : body, meta),
  };
}

/** The body less its last byte; a streamed one stays streamed, declaring the size and hash of what it now gives. */
async function withoutLastByte(body: PutBody): Promise<PutBody> {
  if (!isStreamedBody(body)) return body.slice(0, -1);
  const bytes = Math.max(0, body.bytes - 1);
  const open = (): AsyncIterable<Uint8Array> => firstBytes(body.open(), bytes);
  return { bytes, sha256: (await digestStream(open())).sha256, open };
}

async function* firstBytes(chunks: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let left = limit;
  for await (const chunk of chunks) {
    if (left === 0) break;
    const piece = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
    left -= piece.byteLength;
    yield piece;
  }
}
