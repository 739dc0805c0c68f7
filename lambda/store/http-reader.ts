import http from 'node:http';
import https from 'node:https';
import { TLSSocket } from 'node:tls';
import { messageOf, OpenDataError } from '../core/errors.js';
import type { ObjectStore } from '../core/object-store.js';
import { relativeKeyProblem } from '../core/relative-key.js';
import { errorCode } from './file-system.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from './network-timeouts.js';

/** Default for {@link HttpReaderOptions.maxRedirects}. */
export const DEFAULT_MAX_REDIRECTS = 3;

/** Limits of an {@link HttpReader}; the defaults suit a real site over the internet. */
export interface HttpReaderOptions {
  /**
   * How long name lookup, TCP connect and the TLS handshake may take together (ms).
   * @default DEFAULT_CONNECT_TIMEOUT_MS
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long the server may send nothing, before the headers or within a body (ms).
   * @default DEFAULT_IDLE_TIMEOUT_MS
   */
  readonly idleTimeoutMs?: number;
  /**
   * How many redirects one file may take, each within the base URL.
   * @default DEFAULT_MAX_REDIRECTS
   */
  readonly maxRedirects?: number;
  /**
   * Ends every request, those in flight included, when it aborts; its reason is
   * the error reported. The CLI's total deadline.
   * @default - no deadline
   */
  readonly signal?: AbortSignal;
}

/** A base URL that cannot be used to read a published tree. */
export class InvalidBaseUrlError extends OpenDataError {
  override readonly name = 'InvalidBaseUrlError';
  readonly code = 'invalid-base-url';
}

/** A file could not be read over HTTP as published (refused, redirected away, cut, too slow, encoded). */
export class HttpReadError extends OpenDataError {
  override readonly name = 'HttpReadError';
  readonly code = 'http-read-error';
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const GONE = new Set([404, 410]);

/**
 * Reads a published tree over HTTP(S) from its base URL, as any data user
 * would: the read side of the store port, for `verify` against a live site or
 * a mirror — which may be hostile, so:
 *
 * - only plain site-relative keys are requested, and only under the base URL's
 *   origin and path; a redirect is followed only to another such address, at
 *   most {@link HttpReaderOptions.maxRedirects} times;
 * - bodies are asked for and accepted only as `identity`: a compressed body is
 *   refused, never decoded, so a small bomb cannot expand in memory. (This is
 *   why `node:http` is used rather than `fetch`, whose undici decodes gzip, br
 *   and deflate by itself with no way to turn it off, and follows redirects
 *   anywhere unless told not to);
 * - connecting, every silence and the whole run (through the signal) are timed;
 * - credentials in the base URL are sent as Basic authorization to its origin
 *   only, and never appear in a message ({@link HttpReader.displayBase}).
 *
 * Bodies are streamed; the caller decides how much to read.
 */
export class HttpReader implements Pick<ObjectStore, 'open'> {
  /** The base URL without credentials, ending in `/`. */
  readonly #base: URL;
  readonly #authorization: string | undefined;
  readonly #agent: http.Agent;
  readonly #connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #maxRedirects: number;
  readonly #signal: AbortSignal | undefined;
  /** The base URL as it may be printed: credentials replaced by `***`. */
  readonly displayBase: string;

  constructor(baseUrl: string, options: HttpReaderOptions = {}) {
    let base: URL;
    try {
      base = new URL(baseUrl);
    } catch {
      throw new InvalidBaseUrlError(`${redactCredentials(baseUrl)} is not a URL`);
    }
    const hadCredentials = base.username !== '' || base.password !== '';
    this.#authorization = hadCredentials
      ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`
      : undefined;
    base.username = '';
    base.password = '';
    if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
    this.#base = base;
    this.displayBase = hadCredentials ? base.href.replace('//', '//***@') : base.href;
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new InvalidBaseUrlError(`${this.displayBase} is not an http: or https: URL`);
    if (base.search !== '' || base.hash !== '' || baseUrl.includes('?') || baseUrl.includes('#'))
      throw new InvalidBaseUrlError(
        `${this.displayBase} has a query or fragment; give the folder's URL only`,
      );
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    this.#signal = options.signal;
    // One connection, kept alive: files are read one after another.
    const agentOptions = { keepAlive: true, maxSockets: 1 };
    this.#agent = base.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /**
   * Streams a file's body as it arrives, or `undefined` on 404/410. Throws an
   * {@link HttpReadError} for an unsafe key (nothing is requested), a redirect
   * out of the base, any other status, or a `Content-Encoding`; the stream
   * fails with one if the connection breaks, falls silent or runs out of time.
   * Stopping early (`return()` on the iterator) closes the connection.
   */
  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const unsafe = relativeKeyProblem(key);
    if (unsafe !== undefined) throw new HttpReadError(`${JSON.stringify(key)} ${unsafe}: not requested`);
    let url = new URL(key, this.#base);
    const outside = this.#outsideReason(url);
    if (outside !== undefined)
      throw new HttpReadError(`${JSON.stringify(key)} resolves ${outside}: not requested`);
    for (let redirects = 0; ; redirects++) {
      const exchange = await this.#send(url);
      const { statusCode = 0, statusMessage = '', headers } = exchange.response;
      if (REDIRECTS.has(statusCode)) {
        exchange.discard();
        const location = headers.location;
        if (location === undefined) throw new HttpReadError(`answered ${statusCode} without a Location`);
        if (redirects >= this.#maxRedirects)
          throw new HttpReadError(`redirected more than ${this.#maxRedirects} times: not followed further`);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new HttpReadError(`redirects to ${JSON.stringify(redactCredentials(location))}, not a URL`);
        }
        const reason = this.#outsideReason(next);
        if (reason !== undefined)
          throw new HttpReadError(`redirects to ${displayUrl(next)}, ${reason}: not followed`);
        url = next;
        continue;
      }
      if (GONE.has(statusCode)) {
        exchange.discard();
        return undefined;
      }
      if (statusCode !== 200) {
        exchange.discard();
        throw new HttpReadError(`answered ${statusCode} ${statusMessage}`.trimEnd());
      }
      const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
      if (encoding !== '' && encoding !== 'identity') {
        exchange.discard();
        throw new HttpReadError(
          `was sent with Content-Encoding ${JSON.stringify(encoding)} although only identity was accepted: ` +
            'refused, not decoded (the published bytes are what is checked, and a small body can decode to gigabytes)',
        );
      }
      return exchange.body();
    }
  }

  /** Closes the kept-alive connection; call when done. */
  close(): void {
    this.#agent.destroy();
  }

  /** Why a URL is not one this reader may request, or `undefined` when it is. */
  #outsideReason(url: URL): string | undefined {
    const outside = `outside ${this.displayBase}`;
    if (url.origin !== this.#base.origin || !url.pathname.startsWith(this.#base.pathname)) return outside;
    if (url.username !== '' || url.password !== '') return 'to an address with credentials';
    if (url.search !== '' || url.hash !== '') return 'to an address with a query or fragment';
    const reason = relativeKeyProblem(url.pathname.slice(this.#base.pathname.length));
    return reason === undefined ? undefined : `to a path that ${reason}`;
  }

  /** Sends one GET and resolves once the response headers arrive. */
  async #send(url: URL, retried = false): Promise<Exchange> {
    const signal = this.#signal;
    if (signal?.aborted === true) throw reasonOf(signal);
    return await new Promise<Exchange>((resolve, reject) => {
      let failure: Error | undefined;
      let responded = false;
      const request = (url.protocol === 'https:' ? https : http).request({
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'GET',
        agent: this.#agent,
        headers: {
          accept: '*/*',
          'accept-encoding': 'identity',
          'user-agent': 'opendata-verify',
          ...(this.#authorization === undefined ? {} : { authorization: this.#authorization }),
        },
      });
      const fail = (error: Error): void => {
        failure ??= error;
        request.destroy(failure);
      };
      const connectTimer = setTimeout(
        () => fail(new HttpReadError(`no connection to ${url.host} within ${this.#connectTimeoutMs} ms`)),
        this.#connectTimeoutMs,
      );
      const onAbort = (): void => fail(reasonOf(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (): void => {
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      request.on('socket', (socket) => {
        // A kept-alive socket is connected already; a new one counts until its handshake is done.
        if (!socket.connecting) clearTimeout(connectTimer);
        else
          socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () =>
            clearTimeout(connectTimer),
          );
      });
      request.setTimeout(this.#idleTimeoutMs, () =>
        fail(new HttpReadError(`sent nothing for ${this.#idleTimeoutMs} ms`)),
      );
      request.on('error', (error) => {
        if (responded) return; // the body stream reports it
        finish();
        // A kept-alive connection the server had just closed: the one case where asking again is right.
        if (failure === undefined && request.reusedSocket && !retried && errorCode(error) === 'ECONNRESET') {
          this.#send(url, true).then(resolve, reject);
          return;
        }
        reject(failure ?? new HttpReadError(`request failed: ${error.message}`, { cause: error }));
      });
      request.on('response', (response) => {
        responded = true;
        resolve(new Exchange(request, response, () => failure, finish));
      });
      request.end();
    });
  }
}

/** One request and its response, whose body is read at most once. */
class Exchange {
  constructor(
    readonly request: http.ClientRequest,
    readonly response: http.IncomingMessage,
    private readonly failure: () => Error | undefined,
    private readonly finish: () => void,
  ) {}

  /** Drops the response without reading its body (which may never end). */
  discard(): void {
    this.finish();
    this.request.destroy();
  }

  /** The body, checked to arrive whole; stopping early closes the connection. */
  async *body(): AsyncGenerator<Uint8Array> {
    let received = 0;
    try {
      for await (const chunk of this.response as AsyncIterable<Uint8Array>) {
        received += chunk.byteLength;
        yield chunk;
      }
      if (!this.response.complete)
        throw new HttpReadError(`the connection closed after ${received} bytes, before the end of the body`);
    } catch (error) {
      if (error instanceof HttpReadError) throw error;
      throw (
        this.failure() ??
        new HttpReadError(`the connection broke after ${received} bytes of the body (${messageOf(error)})`, {
          cause: error,
        })
      );
    } finally {
      this.finish();
      if (!this.response.complete) this.request.destroy();
    }
  }
}

/**
 * Replaces the user and password of every `scheme://user:pass@` in a text by
 * `***`, so that no message ever prints credentials given in a URL.
 */
export function redactCredentials(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#]*@/g, '$1***@');
}

function displayUrl(url: URL): string {
  return redactCredentials(url.href);
}

function reasonOf(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new HttpReadError('stopped');
}
