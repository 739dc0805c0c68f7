import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  contentRange,
  decideByteRange,
  unsatisfiedContentRange,
  type ByteRange,
} from '../lambda/core/byte-ranges.js';
import {
  isNotModified,
  isPreconditionFailed,
  rangeStillApplies,
  type Validators,
} from '../lambda/core/conditional-requests.js';
import { MUTABLE_CACHE, objectMetaFor } from '../lambda/core/content-policy.js';
import { messageOf, oneLine } from '../lambda/core/errors.js';
import { DATASET_SUBFOLDER_PATH, versionFileMayLeadTo } from '../lambda/core/site-keys.js';
import {
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  SECURITY_HEADERS,
} from '../lambda/core/site-headers.js';

/** Options of {@link createSiteServer}. */
export interface SiteServerOptions {
  /**
   * Called with an unexpected error after the server has answered it with 500
   * (or cut the response it had started); the server keeps serving.
   *
   * @default - one line on standard error
   */
  readonly onError?: (error: unknown, request: IncomingMessage) => void;
}

/**
 * An HTTP server for a published tree, answering as the production site
 * (S3 behind CloudFront) does, so that it can be pointed at any directory and
 * opened to any web page:
 *
 * - every request reads the tree as it is now (no start-up cache): a file
 *   published while the server runs is served whole, with a new `ETag`;
 * - `/` and `…/` serve the folder's `index.html`; a folder path without the
 *   slash is redirected (301) to the slash form, and a folder of a dataset's
 *   files (`/datasets/trade/latest/`) to the dataset's page (302), keeping the
 *   query string, as the CloudFront function does;
 * - only regular files inside the directory are served: no `..`, no dotfiles,
 *   and a symlink is followed only when its target, fully resolved, is inside
 *   the directory too;
 * - the content types and cache policies of `objectMetaFor`, the security
 *   headers and CORS rules shared with CloudFront (`site-headers.ts`);
 * - byte ranges and conditional requests per RFC 9110 (`byte-ranges.ts`,
 *   `conditional-requests.ts`); several ranges that do not merge into one are
 *   answered with the whole file (200), never multipart;
 * - an error while answering one request is a 500 for that request only.
 */
export function createSiteServer(directory: string, options: SiteServerOptions = {}): Server {
  const root = path.resolve(directory);
  const onError = options.onError ?? logError;
  return createServer((request, response) => {
    answer(root, request, response).catch((error: unknown) => {
      if (isClientGone(error)) return;
      onError(error, request);
      if (response.headersSent) response.destroy();
      else sendText(response, 500, 'Internal Server Error');
    });
  });
}

async function answer(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  response.setHeader('Access-Control-Allow-Origin', '*');
  response.setHeader('Access-Control-Allow-Methods', 'GET, HEAD');
  response.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS.join(', '));
  response.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(', '));
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);

  if (request.method === 'OPTIONS') {
    response.writeHead(204, { 'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS) }).end();
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD, OPTIONS');
    sendText(response, 405, 'Method Not Allowed');
    return;
  }
  const target = parseTarget(request.url);
  if (target === 'malformed') return sendText(response, 400, 'Bad Request');
  if (target === 'not-found') return sendText(response, 404, 'Not Found');
  const folderPath = `/${target.segments.map(encodeURIComponent).join('/')}/`;
  const subfolder = target.folder ? DATASET_SUBFOLDER.exec(folderPath) : null;
  if (subfolder !== null) {
    // A folder of a dataset's files has no page of its own: the dataset's page lists them.
    return redirect(response, 302, 'Found', `${subfolder[1] ?? ''}${target.query}`);
  }

  const segments = target.folder ? [...target.segments, 'index.html'] : target.segments;
  const file = await resolveInside(root, segments);
  if (file === undefined) return sendText(response, 404, 'Not Found');
  // A file removed by a publish between two calls is simply not there (any more).
  const kind = await unlessMissing(lstat(file));
  if (kind === undefined) return sendText(response, 404, 'Not Found');
  if (kind.isDirectory() && !target.folder) {
    // Relative links in the folder's index.html resolve only under the slash form.
    return redirect(response, 301, 'Moved Permanently', `${folderPath}${target.query}`);
  }
  if (!kind.isFile()) return sendText(response, 404, 'Not Found');

  // O_NOFOLLOW: the path was resolved above and must not have become a symlink since;
  // O_NONBLOCK: a FIFO swapped in must not hang the open.
  const handle = await unlessMissing(
    open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0)),
  );
  if (handle === undefined) return sendText(response, 404, 'Not Found');
  let streaming = false;
  try {
    // Validators come from the open file, so headers and bytes describe the same file.
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) return sendText(response, 404, 'Not Found');
    const size = Number(stats.size);
    const now = new Date();
    const validators = validatorsOf(stats, now);
    const meta = objectMetaFor(segments.join('/'));
    response.setHeader('Cache-Control', meta.cacheControl);
    response.setHeader('ETag', validators.etag);
    if (validators.lastModified !== undefined)
      response.setHeader('Last-Modified', validators.lastModified.toUTCString());
    response.setHeader('Accept-Ranges', 'bytes');
    const conditions = {
      ifMatch: request.headers['if-match'],
      ifUnmodifiedSince: request.headers['if-unmodified-since'],
      ifNoneMatch: request.headers['if-none-match'],
      ifModifiedSince: request.headers['if-modified-since'],
      ifRange: headerText(request.headers['if-range']),
    };
    if (isPreconditionFailed(conditions, validators)) {
      response.writeHead(412).end();
      return;
    }
    if (isNotModified(conditions, validators, now)) {
      response.writeHead(304).end();
      return;
    }
    response.setHeader('Content-Type', meta.contentType);
    // Ranges are defined for GET only (RFC 9110 §14.2); a HEAD describes the whole file.
    const decision =
      request.method === 'GET' && rangeStillApplies(conditions.ifRange, validators)
        ? decideByteRange(request.headers.range, size)
        : ({ kind: 'full' } as const);
    if (decision.kind === 'unsatisfiable') {
      sendText(response, 416, 'Range Not Satisfiable', { 'Content-Range': unsatisfiedContentRange(size) });
      return;
    }
    const range: ByteRange = decision.kind === 'partial' ? decision.range : { start: 0, end: size - 1 };
    const length = range.end - range.start + 1;
    if (decision.kind === 'partial') response.setHeader('Content-Range', contentRange(range, size));
    response.writeHead(decision.kind === 'partial' ? 206 : 200, { 'Content-Length': String(length) });
    if (request.method === 'HEAD' || length === 0) {
      response.end();
      return;
    }
    streaming = true;
    const body = handle.createReadStream({ start: range.start, end: range.end });
    await pipeline(body, response, { end: false });
    // A file cut short while being read must not pass for a complete one of the announced length.
    if (body.bytesRead === length) response.end();
    else response.destroy();
  } finally {
    if (!streaming) await handle.close();
  }
}

/** A request path: the decoded segments, and whether it names a folder (ends with `/`). */
interface Target {
  readonly segments: readonly string[];
  readonly folder: boolean;
  /** The query string with its `?` (empty when there is none), kept on a redirect. */
  readonly query: string;
}

const DATASET_SUBFOLDER = new RegExp(DATASET_SUBFOLDER_PATH);

/**
 * The published key a request URL names, or why it names none. Only paths
 * whose every segment decodes to a plain file name are keys: `.`, `..`,
 * dotfiles, empty segments (`//`), encoded `/` or `\`, and control characters
 * (NUL included) are not, so no request reaches outside the tree by its path.
 */
function parseTarget(url: string | undefined): Target | 'malformed' | 'not-found' {
  if (url === undefined || !url.startsWith('/')) return 'malformed';
  const end = url.search(/[?#]/);
  const pathname = end === -1 ? url : url.slice(0, end);
  // Kept as sent: Node's parser takes only printable ASCII in a request target, which a Location header may hold.
  const queryEnd = url.indexOf('#');
  const query = end !== -1 && url[end] === '?' ? url.slice(end, queryEnd === -1 ? undefined : queryEnd) : '';
  const raw = pathname.slice(1).split('/');
  const folder = raw.at(-1) === '';
  if (folder) raw.pop();
  const segments: string[] = [];
  for (const part of raw) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return 'malformed';
    }
    if (!isPlainName(segment)) return 'not-found';
    segments.push(segment);
  }
  return { segments, folder, query };
}

function isPlainName(segment: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  return segment !== '' && !segment.startsWith('.') && !/[/\\\u0000-\u001f\u007f]/.test(segment);
}

/**
 * The real path of `segments` under `root` when it exists and, with every
 * symlink resolved, is still inside the real root, names no dotfile and, for a
 * version's file, is a version's file (as `verify` reads the tree); undefined
 * otherwise. The root is resolved on every request, so a tree published after
 * the server started is found.
 */
async function resolveInside(root: string, segments: readonly string[]): Promise<string | undefined> {
  const realRoot = await unlessMissing(realpath(root));
  if (realRoot === undefined) return undefined;
  const real = await unlessMissing(realpath(path.join(realRoot, ...segments)));
  if (real === undefined) return undefined;
  const relative = path.relative(realRoot, real);
  if (relative === '') return real;
  if (path.isAbsolute(relative)) return undefined;
  const parts = relative.split(path.sep);
  return parts.every(isPlainName) && versionFileMayLeadTo(segments.join('/'), parts.join('/'))
    ? real
    : undefined;
}

/** The value of `operation`, or undefined when it failed because the file is not there (or not reachable). */
async function unlessMissing<T>(operation: Promise<T>): Promise<T | undefined> {
  try {
    return await operation;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * The validators of a file as it is now. The `ETag` digests the inode, size,
 * and modification and change times in nanoseconds, so any rewrite, in place
 * or by rename, changes it. `Last-Modified` is the later of the modification
 * and change times: a copy that keeps an old modification time (`cp -p`,
 * `rsync -t`) still sets the change time, so it is not taken for unchanged.
 */
function validatorsOf(
  stats: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint },
  now: Date,
): Validators {
  const digest = createHash('sha256')
    .update([stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(':'))
    .digest('base64url')
    .slice(0, 27);
  const changedMs = Number((stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs) / 1_000_000n);
  const secondMs = Math.floor(changedMs / 1000) * 1000;
  // A second that is not over yet could still see another change with the same Last-Modified.
  const strong = secondMs + 1000 <= now.getTime();
  return { etag: `"${digest}"`, ...(strong ? { lastModified: new Date(secondMs) } : {}) };
}

/** Ends a response with a short plain-text body: no file validators, and not cached unless `headers` say so. */
/** A redirect within the site, cached as a page is: where it leads may change with the next publish. */
function redirect(response: ServerResponse, status: 301 | 302, text: string, location: string): void {
  sendText(response, status, text, { Location: location, 'Cache-Control': MUTABLE_CACHE });
}

function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = `${status} ${text}\n`;
  for (const name of ['ETag', 'Last-Modified', 'Accept-Ranges', 'Content-Range']) response.removeHeader(name);
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(body);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 'ENOENT' ||
    code === 'ENOTDIR' ||
    code === 'ENAMETOOLONG' ||
    code === 'ELOOP' ||
    code === 'EACCES'
  );
}

function isClientGone(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE';
}

function logError(error: unknown, request: IncomingMessage): void {
  const message = messageOf(error);
  process.stderr.write(`serve: ${oneLine(`${request.method ?? '?'} ${request.url ?? ''}: ${message}`)}\n`);
}
