import { ObjectStoreError, type ObjectStore, type StoredObject } from '../core/object-store.js';

/**
 * Reads a published tree over HTTP(S) from its base URL, as any data user
 * would: the read-only side of the store port, for `verify` against a live site.
 */
export class HttpReader implements Pick<ObjectStore, 'get' | 'open'> {
  readonly #base: URL;

  constructor(baseUrl: string) {
    this.#base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const response = await this.#fetch(key);
    if (response === undefined) return undefined;
    const body = new Uint8Array(await response.arrayBuffer());
    return {
      body,
      bytes: body.byteLength,
      etag: response.headers.get('etag') ?? '',
      contentType: response.headers.get('content-type') ?? '',
      cacheControl: response.headers.get('cache-control') ?? '',
    };
  }

  /** Streams a file's body as it arrives, for files too large to hold. */
  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const response = await this.#fetch(key);
    if (response === undefined) return undefined;
    if (response.body === null) return (async function* () {})();
    return response.body as unknown as AsyncIterable<Uint8Array>;
  }

  async #fetch(key: string): Promise<Response | undefined> {
    const url = new URL(key, this.#base);
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'follow' });
    } catch (error) {
      throw new ObjectStoreError(
        `GET ${url.href} failed: ${error instanceof Error ? error.message : String(error)}`,
        key,
        {
          cause: error,
        },
      );
    }
    if (response.status === 404) return undefined;
    if (!response.ok)
      throw new ObjectStoreError(`GET ${url.href} answered ${response.status} ${response.statusText}`, key);
    return response;
  }
}
